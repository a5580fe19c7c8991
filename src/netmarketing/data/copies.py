"""Generate the ad-copy compliance set: zh-TW ad texts with ground-truth labels.

Each copy is a compliant base text plus, sometimes, a fragment that breaks one
of the Taiwanese advertising rules. The labels are known by construction and
go to the truth manifest only; the table itself carries the text.

Labels
------
misleading_claim
    公平交易法 §21: false original price, fake limited time, "100 %" promises.
undisclosed_endorsement
    公平交易法 §21 and the FTC endorsement guidelines: a paid KOL praises the
    product without a 廣告/合作 disclosure.
medical_claim_food
    食品安全衛生管理法 §28 II: medical efficacy claimed for a food.
medical_claim_cosmetic
    化粧品衛生安全管理法 §10: medical efficacy claimed for a cosmetic.
missing_opt_out
    個人資料保護法 §20 III: a direct marketing message (e-mail, SMS) without a
    free way to refuse further messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

LABELS = [
    "misleading_claim",
    "undisclosed_endorsement",
    "medical_claim_food",
    "medical_claim_cosmetic",
    "missing_opt_out",
]

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

# Fragments that break a rule (one list per label).
MISLEADING_FRAGMENTS = [
    "原價NT$3,980，今天下殺只要NT$990！",
    "限時搶購倒數1小時，錯過不再有！",
    "100%有效，用了保證看得到效果！",
    "全台最低價，找到更便宜的退你十倍差價！",
]
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


def make_ad_copies(n_copies: int | None = None, *, rng=None) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Generate ad copies and their ground-truth compliance labels.

    Parameters
    ----------
    n_copies : int, optional
        Number of copies; drawn between 40 and 60 when omitted.
    rng : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    copies : pandas.DataFrame
        Columns copy_id, category, platform, text.
    labels : dict
        copy_id -> sorted list of labels (empty list = compliant).
    """
    rng = np.random.default_rng(rng)
    if n_copies is None:
        n_copies = int(rng.integers(40, 61))
    if n_copies < len(LABELS):
        raise ValueError(f"n_copies must be at least {len(LABELS)} so that every label occurs")
    categories = list(catalog.CATEGORIES)
    brand = catalog.COMPANY["brand_zh"]

    # The first copies force every label kind once; the rest are random.
    forced = [
        {"misleading_claim"},
        {"undisclosed_endorsement"},
        {"medical_claim_food"},
        {"medical_claim_cosmetic"},
        {"missing_opt_out"},
    ]
    rows, labels = [], []
    for i in range(n_copies):
        want = forced[i] if i < len(forced) else None
        if want == {"medical_claim_food"}:
            category = "health_food"
        elif want == {"medical_claim_cosmetic"}:
            category = "beauty"
        else:
            category = categories[rng.integers(len(categories))]
        if want == {"missing_opt_out"}:
            platform = DIRECT_MESSAGE_PLATFORMS[rng.integers(len(DIRECT_MESSAGE_PLATFORMS))]
        else:
            platform = COPY_PLATFORMS[rng.integers(len(COPY_PLATFORMS))]
        base = BASE_COPIES[category][rng.integers(len(BASE_COPIES[category]))]

        if want is None:
            misleading = rng.random() < 0.2
            kol = rng.random() < 0.3
            undisclosed = kol and rng.random() < 0.55
            medical = category in ("health_food", "beauty") and rng.random() < 0.3
            opt_out_missing = platform in DIRECT_MESSAGE_PLATFORMS and rng.random() < 0.45
        else:
            misleading = "misleading_claim" in want
            undisclosed = "undisclosed_endorsement" in want
            kol = undisclosed
            medical = bool(want & {"medical_claim_food", "medical_claim_cosmetic"})
            opt_out_missing = "missing_opt_out" in want

        parts, copy_labels = [], set()
        if platform in DIRECT_MESSAGE_PLATFORMS:
            parts.append(MESSAGE_PREFIX.format(brand=brand))
        if kol:
            parts.append(KOL_FRAGMENTS[rng.integers(len(KOL_FRAGMENTS))])
        parts.append(base)
        if medical:
            pool = MEDICAL_FOOD_FRAGMENTS if category == "health_food" else MEDICAL_COSMETIC_FRAGMENTS
            parts.append(pool[rng.integers(len(pool))])
            copy_labels.add("medical_claim_food" if category == "health_food" else "medical_claim_cosmetic")
        if misleading:
            parts.append(MISLEADING_FRAGMENTS[rng.integers(len(MISLEADING_FRAGMENTS))])
            copy_labels.add("misleading_claim")
        if kol:
            if undisclosed:
                copy_labels.add("undisclosed_endorsement")
            else:
                parts.append(KOL_DISCLOSURE)
        if platform in DIRECT_MESSAGE_PLATFORMS:
            if opt_out_missing:
                copy_labels.add("missing_opt_out")
            else:
                parts.append(OPT_OUT_FOOTERS[platform])
        rows.append((category, platform, "".join(parts)))
        labels.append([label for label in LABELS if label in copy_labels])

    order = rng.permutation(n_copies)
    copy_ids = [f"AD-{k + 1:03d}" for k in range(n_copies)]
    table = pd.DataFrame(
        {
            "copy_id": copy_ids,
            "category": pd.Categorical([rows[j][0] for j in order], categories=categories),
            "platform": [rows[j][1] for j in order],
            "text": [rows[j][2] for j in order],
        }
    )
    truth = {copy_ids[k]: labels[j] for k, j in enumerate(order)}
    return table, truth
