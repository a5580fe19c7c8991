"""Generate the ad-copy compliance set: zh-TW ad texts whose lawfulness follows from facts.

Price claims point at real SKUs and offers: a 「原價」 is misleading only when the SKU did not sell at
that regular price in the 30 days before the offer (``price_history``), and a countdown only when the
offer did not really end on the announced day (``offers``, ``price_history``). Medical-efficacy claims
for food and cosmetics are unlawful by their wording. The labels, the rule and the evidence (which
rows prove it) go to the truth manifest only.

Labels
------
false_original_price
    公平交易法 §21 I-II (price is a matter that affects the decision): the 原價 was not charged.
false_countdown
    公平交易法 §21 I-II: the offer went on after the announced end.
undisclosed_endorsement
    公平交易法 §21 and the FTC's endorsement-ad guidelines: a paid KOL praises the product without
    a 廣告/合作 disclosure.
medical_claim_food
    食品安全衛生管理法 §28 II: medical efficacy claimed for a food.
medical_claim_cosmetic
    化粧品衛生安全管理法 §10 II: medical efficacy claimed for a cosmetic.
missing_opt_out
    個人資料保護法 §20 III: a direct marketing message (e-mail, SMS) without a free way to refuse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

LABELS = [
    "false_original_price",
    "false_countdown",
    "undisclosed_endorsement",
    "medical_claim_food",
    "medical_claim_cosmetic",
    "missing_opt_out",
]
RULES = {
    "false_original_price": "公平交易法 §21 I–II：原價須為參考期間（優惠開始前 30 日）內真實販售的一般價格",
    "false_countdown": "公平交易法 §21 I–II：宣稱的限時截止日之後仍以相同優惠價販售",
    "undisclosed_endorsement": "公平交易法 §21；公平交易委員會對於薦證廣告之規範說明：有償代言須揭露",
    "medical_claim_food": "食品安全衛生管理法 §28 II：食品不得為醫療效能之標示、宣傳或廣告",
    "medical_claim_cosmetic": "化粧品衛生安全管理法 §10 II：化粧品不得為醫療效能之標示、宣傳或廣告",
    "missing_opt_out": "個人資料保護法 §20 III：首次行銷應提供當事人免費表示拒絕之方式",
}
REFERENCE_DAYS = 30
PRICE_CLAIM_SHARE = (0.18, 0.28)  # share of copies with a 原價 claim
COUNTDOWN_SHARE = (0.1, 0.18)  # share of copies with a countdown

# Platforms a copy runs on. Direct marketing messages need an opt-out (個資法 §20 III).
COPY_PLATFORMS = ["Facebook", "Instagram", "Google 搜尋廣告", "LINE 官方帳號", "電子報", "簡訊"]
DIRECT_MESSAGE_PLATFORMS = ["電子報", "簡訊"]

# Compliant base texts per category. They avoid every trigger word on purpose.
BASE_COPIES = {
    "beauty": [
        "冬季保濕對策：玻尿酸精華液質地清爽好吸收，乾燥肌一整天都水潤。",
        "溫和卸妝油新上市，眼唇臉一瓶完成，洗後不緊繃。",
        "清爽防曬乳SPF50+，不黏膩不泛白，通勤出遊都適合。",
        "會員獨享：保養品任選兩件85折，結帳自動折抵。",
    ],
    "health_food": [
        "葉黃素複方膠囊，每日一顆，外食族的日常營養補給。",
        "膠原蛋白粉無添加香料，加入咖啡或果汁都好溶解。",
        "隨身包益生菌，出差旅行好攜帶，營養補給不中斷。",
        "魚油軟膠囊第三方檢驗合格，成分標示清楚，吃得安心。",
    ],
    "home": [
        "透明收納箱可堆疊，換季衣物一目了然，小套房也好整理。",
        "天然大豆蠟香氛蠟燭，木質調香氣，下班後的放鬆時光。",
        "廚房瀝水架不鏽鋼材質，不生鏽好清洗，流理台立刻清爽。",
        "北歐風抱枕套兩入組，可拆洗設計，客廳換季一次到位。",
    ],
    "accessories_3c": [
        "10000mAh 輕薄行動電源，支援快充，出門一整天電量安心。",
        "真無線藍牙耳機，通勤降噪，單次續航6小時。",
        "MagSafe 磁吸手機殼，防摔氣墊四角，支援無線充電。",
        "Type-C 編織充電線兩入組，耐彎折，宿舍辦公室各放一條。",
    ],
    "apparel": [
        "涼感機能上衣，吸濕排汗，夏天通勤不悶熱。",
        "棉麻襯衫洋裝，上班約會都好搭，多色可選。",
        "男生彈性休閒褲，四面彈力好活動，腰圍可調。",
        "秋冬輕羽絨外套，可收納成小包，旅行保暖不佔空間。",
    ],
}

# Fragments that break a rule.
KOL_FRAGMENTS = [
    "人氣部落客小安親身試用：「用了兩週真的回不去了！」",
    "百萬網紅Jessie大推：「這是我每天必備的好物」",
    "美妝部落客Mia實測心得：「朋友都在問我用什麼」",
]
KOL_DISCLOSURE = "（本文為品牌合作廣告）"
MEDICAL_FOOD_FRAGMENTS = [
    "每天兩顆，有效降血壓！",
    "長期食用可預防癌症，守護全家健康。",
    "能治療失眠，一覺到天亮。",
]
MEDICAL_COSMETIC_FRAGMENTS = [
    "三天快速消炎，告別泛紅。",
    "有效治療痘痘，還你光滑肌。",
    "頭皮精華強效生髮，告別稀疏。",
]
OPT_OUT_FOOTERS = {
    "電子報": "如不想再收到優惠訊息，請點此免費取消訂閱。",
    "簡訊": "拒收請回覆N（免費）。",
}
MESSAGE_PREFIX = "【{brand}】"


def _price_periods(history: pd.DataFrame, sku: str) -> pd.DataFrame:
    rows = history[history["sku"] == sku]
    end = rows["valid_to"].fillna(pd.Timestamp("2100-01-01"))
    return rows.assign(_end=end)


def _claims(
    core: dict[str, pd.DataFrame], n_price: int, n_countdown: int, rng: np.random.Generator
) -> list[dict]:
    """Draw price and countdown claims on real offers, half of them false, with their evidence."""
    offers, history, products = core.get("offers"), core.get("price_history"), core["products"]
    if offers is None or history is None or offers.empty:
        return []
    names = products.set_index("sku")["name"].astype(str)
    cats = products.set_index("sku")["category"].astype(str)
    history = history.assign(sku=history["sku"].astype(str))
    first_day = pd.Timestamp(history["valid_from"].min())
    offers = offers[offers["start_date"] >= first_day + pd.Timedelta(days=REFERENCE_DAYS)]
    claims = []
    pick = rng.choice(len(offers), min(n_price + n_countdown, len(offers)), replace=False)
    for k, i in enumerate(pick):
        offer = offers.iloc[int(i)]
        sku = str(offer["sku"])
        periods = _price_periods(history, sku)
        start, end = pd.Timestamp(offer["start_date"]), pd.Timestamp(offer["end_date"])
        window_start = start - pd.Timedelta(days=REFERENCE_DAYS)
        in_window = periods[
            (periods["price_type"] == "regular")
            & (periods["valid_from"] < start)
            & (periods["_end"] >= window_start)
        ]
        charged = sorted(int(p) for p in in_window["price"].unique())
        base = {
            "sku": sku,
            "offer_id": str(offer["offer_id"]),
            "category": cats[sku],
            "run_date": start,
            "name": names[sku],
            "offer_price": int(offer["offer_price"]),
        }
        if k < n_price:
            false = bool(rng.random() < 0.5) and bool(charged)
            if false:
                claimed = int(round(max(charged) * rng.uniform(1.3, 1.8), -1)) - 10
            else:
                claimed = charged[-1] if charged else int(offer["offer_price"])
            evidence = {
                "sku": sku,
                "claimed_original_price": claimed,
                "reference_window": [str(window_start.date()), str((start - pd.Timedelta(days=1)).date())],
                "regular_prices_charged": charged,
                "offer_id": base["offer_id"],
            }
            claims.append({**base, "kind": "price", "false": false, "claimed": claimed, "evidence": evidence})
        else:
            length = (end - start).days
            false = bool(rng.random() < 0.5) and length >= 5
            claimed_end = (
                start + pd.Timedelta(days=int(rng.integers(1, max(length - 2, 2)))) if false else end
            )
            evidence = {
                "offer_id": base["offer_id"],
                "sku": sku,
                "claimed_end": str(claimed_end.date()),
                "real_end": str(end.date()),
            }
            claims.append(
                {
                    **base,
                    "kind": "countdown",
                    "false": false,
                    "claimed_end": claimed_end,
                    "evidence": evidence,
                }
            )
    return claims


def make_ad_copies(
    core: dict[str, pd.DataFrame] | None = None, n_copies: int | None = None, *, rng=None
) -> tuple[pd.DataFrame, dict]:
    """Generate ad copies and their ground truth: labels, rule and evidence per copy.

    Parameters
    ----------
    core : the world's tables; ``products``, ``offers`` and ``price_history`` give the price claims
        their facts (without them only wording-based claims are made).
    n_copies : number of copies; drawn between 40 and 60 when omitted.
    rng : seed or generator.

    Returns
    -------
    copies : copy_id, category, platform, sku, offer_id, run_date, text.
    truth : {"ad_copy_labels": {copy_id: [labels]}, "ad_copy_evidence": {copy_id: [{label, rule,
        evidence}]}, "ad_copy_how": str}.
    """
    rng = np.random.default_rng(rng)
    if n_copies is None:
        n_copies = int(rng.integers(40, 61))
    categories = list(catalog.CATEGORIES)
    brand = catalog.COMPANY["brand_zh"]
    claims = (
        _claims(
            core,
            round(n_copies * rng.uniform(*PRICE_CLAIM_SHARE)),
            round(n_copies * rng.uniform(*COUNTDOWN_SHARE)),
            rng,
        )
        if core
        else []
    )
    forced = ["undisclosed_endorsement", "medical_claim_food", "medical_claim_cosmetic", "missing_opt_out"]
    rows, labels, evidence = [], [], []
    for i in range(n_copies):
        claim = claims[i] if i < len(claims) else None
        want = forced[i - len(claims)] if claim is None and i - len(claims) < len(forced) else None
        if claim is not None:
            category = claim["category"]
        elif want == "medical_claim_food":
            category = "health_food"
        elif want == "medical_claim_cosmetic":
            category = "beauty"
        else:
            category = categories[rng.integers(len(categories))]
        if want == "missing_opt_out":
            platform = DIRECT_MESSAGE_PLATFORMS[rng.integers(len(DIRECT_MESSAGE_PLATFORMS))]
        else:
            platform = COPY_PLATFORMS[rng.integers(len(COPY_PLATFORMS))]
        base = BASE_COPIES[category][rng.integers(len(BASE_COPIES[category]))]
        if want is None and claim is None:
            kol = rng.random() < 0.3
            undisclosed = kol and rng.random() < 0.55
            medical = category in ("health_food", "beauty") and rng.random() < 0.3
            opt_out_missing = platform in DIRECT_MESSAGE_PLATFORMS and rng.random() < 0.45
        else:
            undisclosed = want == "undisclosed_endorsement"
            kol = undisclosed or (claim is not None and rng.random() < 0.2)
            medical = want in ("medical_claim_food", "medical_claim_cosmetic")
            opt_out_missing = want == "missing_opt_out"

        parts, found = [], {}
        if platform in DIRECT_MESSAGE_PLATFORMS:
            parts.append(MESSAGE_PREFIX.format(brand=brand))
        if kol:
            parts.append(KOL_FRAGMENTS[rng.integers(len(KOL_FRAGMENTS))])
        if claim is not None:
            parts.append(f"{claim['name']}")
            if claim["kind"] == "price":
                parts.append(f"原價NT${claim['claimed']:,}，現在只要NT${claim['offer_price']:,}！")
                if claim["false"]:
                    found["false_original_price"] = claim["evidence"]
            else:
                end = claim["claimed_end"]
                parts.append(
                    f"特價NT${claim['offer_price']:,}，限時優惠到{end.month}/{end.day} 23:59，錯過不再！"
                )
                if claim["false"]:
                    found["false_countdown"] = claim["evidence"]
        else:
            parts.append(base)
        if medical:
            pool = MEDICAL_FOOD_FRAGMENTS if category == "health_food" else MEDICAL_COSMETIC_FRAGMENTS
            fragment = pool[rng.integers(len(pool))]
            parts.append(fragment)
            found["medical_claim_food" if category == "health_food" else "medical_claim_cosmetic"] = {
                "wording": fragment
            }
        if kol:
            if undisclosed:
                found["undisclosed_endorsement"] = {"wording": "no 廣告/合作/贊助 disclosure"}
            else:
                parts.append(KOL_DISCLOSURE)
        if platform in DIRECT_MESSAGE_PLATFORMS:
            if opt_out_missing:
                found["missing_opt_out"] = {"platform": platform}
            else:
                parts.append(OPT_OUT_FOOTERS[platform])
        rows.append(
            (
                category,
                platform,
                claim["sku"] if claim else None,
                claim["offer_id"] if claim else None,
                claim["run_date"] if claim else None,
                "".join(parts),
            )
        )
        labels.append([label for label in LABELS if label in found])
        evidence.append(
            [
                {"label": label, "rule": RULES[label], "evidence": found[label]}
                for label in LABELS
                if label in found
            ]
        )

    order = rng.permutation(n_copies)
    copy_ids = [f"AD-{k + 1:03d}" for k in range(n_copies)]
    table = pd.DataFrame(
        {
            "copy_id": copy_ids,
            "category": pd.Categorical([rows[j][0] for j in order], categories=categories),
            "platform": [rows[j][1] for j in order],
            "sku": pd.Series([rows[j][2] for j in order], dtype="str"),
            "offer_id": pd.Series([rows[j][3] for j in order], dtype="str"),
            "run_date": pd.to_datetime(pd.Series([rows[j][4] for j in order])).astype("datetime64[us]"),
            "text": [rows[j][5] for j in order],
        }
    )
    truth = {
        "ad_copy_labels": {copy_ids[k]: labels[j] for k, j in enumerate(order)},
        "ad_copy_evidence": {copy_ids[k]: evidence[j] for k, j in enumerate(order)},
        "ad_copy_how": (
            "price claims: compare the claimed 原價 with the regular prices in price_history during "
            "the 30 days before the offer's start (and order_items.unit_price); countdowns: compare "
            "the announced end with offers.end_date / the offer rows of price_history; medical "
            "claims by wording (food: 食安法 §28 II, cosmetics: 化粧品衛生安全管理法 §10 II); "
            "KOL praise without 廣告/合作 disclosure; e-mail/SMS without a free opt-out"
        ),
    }
    return table, truth
