"""Fixed facts of the fictional retailer: data only, no logic.

Kept apart from the generators (like Faker's locale providers) so that
calibration can be read and changed in one place. Every generator in
``netmarketing.data`` takes its categories, platforms, cities and calendar
from here.
"""

from __future__ import annotations

COMPANY = {
    "name_zh": "好日子生活選物股份有限公司",
    "name_en": "Good Days Lifestyle Co., Ltd.",
    "brand_zh": "好日子選物",
    "website": "https://www.gooddays.example.tw",
    "founded": 2016,
}

# World time span: full months, Asia/Taipei. Learners plan 2027.
HISTORY_START = "2024-01-01"
HISTORY_END = "2026-10-31"
TIMEZONE = "Asia/Taipei"

# Product categories: code -> zh-TW name, English name, price band (NT$), gross margin.
CATEGORIES = {
    "beauty": {"zh": "美妝保養", "en": "Skin care & beauty", "price": (290, 2_480), "margin": 0.58},
    "health_food": {"zh": "保健食品", "en": "Health foods", "price": (390, 1_980), "margin": 0.52},
    "home": {"zh": "居家生活", "en": "Home goods", "price": (199, 3_990), "margin": 0.42},
    "accessories_3c": {"zh": "3C配件", "en": "3C accessories", "price": (249, 2_990), "margin": 0.30},
    "apparel": {"zh": "服飾", "en": "Apparel", "price": (390, 2_680), "margin": 0.48},
}

# Where orders come from. Own channels first, then third-party marketplaces (註3).
# fee_rate: what the platform keeps of the order value (commission + payment + programme fees);
# delivery_days: mean days from order to delivery; aov_bias: how much the platform's buyers lean
# towards cheap SKUs (price elasticity of the SKU choice); lines: mean extra lines per order.
# Marketplace fee levels are a course assumption (weak source): each platform publishes its current
# schedule in its seller centre, and rates differ by category and programme.
PLATFORMS = {
    "website": {
        "zh": "官方網站",
        "own": True,
        "fee_rate": 0.025,
        "delivery_days": 2.2,
        "aov_bias": 0.1,
        "lines": 0.75,
    },
    "app": {
        "zh": "行動 APP",
        "own": True,
        "fee_rate": 0.025,
        "delivery_days": 2.2,
        "aov_bias": 0.15,
        "lines": 0.6,
    },
    "line_store": {
        "zh": "LINE 官方帳號商店",
        "own": True,
        "fee_rate": 0.03,
        "delivery_days": 2.5,
        "aov_bias": 0.25,
        "lines": 0.5,
    },
    "momo": {
        "zh": "momo購物網",
        "own": False,
        "fee_rate": 0.18,
        "delivery_days": 1.3,
        "aov_bias": 0.3,
        "lines": 0.5,
    },
    "shopee": {
        "zh": "蝦皮購物",
        "own": False,
        "fee_rate": 0.115,
        "delivery_days": 3.2,
        "aov_bias": 0.9,
        "lines": 0.3,
    },
    "pchome": {
        "zh": "PChome 24h",
        "own": False,
        "fee_rate": 0.16,
        "delivery_days": 1.4,
        "aov_bias": 0.4,
        "lines": 0.45,
    },
}

PAYMENT_METHODS = {
    "credit_card": "信用卡",
    "cvs_cod": "超商取貨付款",
    "line_pay": "LINE Pay",
    "jkopay": "街口支付",
    "apple_pay": "Apple Pay",
    "atm_transfer": "ATM 轉帳",
    "cash_on_delivery": "宅配貨到付款",
}

# 22 counties and cities with population in thousands (2024, rounded; 內政部 戶政司, 2024-09:
# 新北 17.3 %, 臺北 10.7 %): weights for geo.
CITIES = {
    "新北市": 4_048,
    "臺中市": 2_850,
    "高雄市": 2_730,
    "臺北市": 2_490,
    "桃園市": 2_330,
    "臺南市": 1_850,
    "彰化縣": 1_240,
    "屏東縣": 790,
    "雲林縣": 660,
    "新竹縣": 590,
    "苗栗縣": 530,
    "嘉義縣": 480,
    "新竹市": 460,
    "南投縣": 480,
    "宜蘭縣": 450,
    "基隆市": 360,
    "花蓮縣": 320,
    "嘉義市": 260,
    "臺東縣": 210,
    "金門縣": 140,
    "澎湖縣": 110,
    "連江縣": 14,
}
# Online shoppers over-index where pay is high (主計總處 2025-11-25: median pay highest in 新竹市,
# 新竹縣, 臺北市) and in the capital region; rural counties under-index. Multiplies population.
CITY_ECOMMERCE_INDEX = {
    "新北市": 1.15,
    "臺北市": 1.35,
    "新竹市": 1.45,
    "新竹縣": 1.3,
    "桃園市": 1.05,
    "臺中市": 1.0,
    "基隆市": 0.95,
    "高雄市": 0.92,
    "臺南市": 0.9,
    "宜蘭縣": 0.8,
    "彰化縣": 0.78,
    "苗栗縣": 0.78,
    "嘉義市": 0.85,
    "屏東縣": 0.7,
    "雲林縣": 0.68,
    "嘉義縣": 0.65,
    "南投縣": 0.7,
    "花蓮縣": 0.72,
    "臺東縣": 0.65,
    "金門縣": 0.6,
    "澎湖縣": 0.6,
    "連江縣": 0.55,
}

# GA4 demographics (age brackets as in the GA4 report) and CRM brackets.
AGE_BRACKETS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
GENDERS = ["female", "male", "unknown"]
EDUCATION_LEVELS = ["國中以下", "高中職", "專科", "大學", "碩士以上"]
INCOME_BRACKETS = ["未滿3萬", "3-5萬", "5-8萬", "8-12萬", "12萬以上"]  # monthly NT$

DEVICES = {"mobile": 0.72, "desktop": 0.25, "tablet": 0.03}
OPERATING_SYSTEMS = {
    "mobile": {"iOS": 0.52, "Android": 0.48},
    "desktop": {"Windows": 0.78, "Macintosh": 0.20, "Linux": 0.02},
    "tablet": {"iOS": 0.70, "Android": 0.30},
}
# Browser mix per operating system (GA4 device.web_info.browser): in-app browsers included.
BROWSERS = {
    "iOS": {"Safari": 0.62, "Chrome": 0.16, "Safari (in-app)": 0.17, "Edge": 0.02, "Firefox": 0.03},
    "Android": {
        "Chrome": 0.66,
        "Samsung Internet": 0.16,
        "Android Webview": 0.14,
        "Edge": 0.02,
        "Firefox": 0.02,
    },
    "Windows": {"Chrome": 0.67, "Edge": 0.25, "Firefox": 0.06, "Opera": 0.02},
    "Macintosh": {"Safari": 0.5, "Chrome": 0.43, "Edge": 0.03, "Firefox": 0.04},
    "Linux": {"Chrome": 0.7, "Firefox": 0.3},
}

# Traffic sources as (source, medium, campaign) templates; campaign None = untagged.
# Taiwanese forums and marketplaces are not on Google's source lists: their
# untagged links land in Referral, a teaching point of 註7.
TRAFFIC_SOURCES = [
    ("(direct)", "(none)", None),
    ("google", "organic", None),
    ("yahoo", "organic", None),
    ("bing", "organic", None),
    ("google", "cpc", "search_brand"),
    ("google", "cpc", "search_generic"),
    ("google", "cpc", "shopping_pmax"),
    ("facebook", "paid_social", "fb_prospecting"),
    ("instagram", "paid_social", "ig_retargeting"),
    ("facebook", "referral", None),
    ("instagram", "referral", None),
    ("line", "social", "line_oa_broadcast"),
    ("youtube", "referral", None),
    ("newsletter", "email", "edm_monthly"),
    ("ptt.cc", "referral", None),
    ("dcard.tw", "referral", None),
    ("mobile01.com", "referral", None),
    ("shopee.tw", "referral", None),
    ("affiliate_partner", "affiliate", "kol_affiliate"),
    ("gdn", "display", "gdn_remarketing"),
    ("qr_offline", "o2o", "popup_store"),
]

# Seasonal peaks of Taiwanese e-commerce, computed for every year (lunar dates from the Chinese
# lunisolar calendar): rule, days of run-up before the day, days before the day when orders peak
# (gifts must arrive in time), and the uplift at the peak. Sale days (618, 雙11, 雙12) peak on the
# day itself; gift days peak about a week before and fall away on the day.
SEASONAL_EVENTS = {
    "春節": {
        "en": "Lunar New Year (年貨)",
        "rule": "lunar_new_year",
        "run_up": 24,
        "peak_before": 9,
        "uplift": 1.8,
    },
    "母親節": {
        "en": "Mother's Day",
        "rule": "second_sunday_may",
        "run_up": 20,
        "peak_before": 6,
        "uplift": 1.7,
    },
    "618": {"en": "618 mid-year sale", "rule": "06-18", "run_up": 17, "peak_before": 0, "uplift": 2.3},
    "父親節": {"en": "Father's Day", "rule": "08-08", "run_up": 10, "peak_before": 3, "uplift": 1.35},
    "中秋": {
        "en": "Mid-Autumn Festival (gift boxes)",
        "rule": "mid_autumn",
        "run_up": 20,
        "peak_before": 7,
        "uplift": 1.55,
    },
    "週年慶": {
        "en": "Department-store anniversary season",
        "rule": "10-25",
        "run_up": 10,
        "peak_before": 0,
        "uplift": 1.3,
    },
    "雙11": {"en": "Double 11", "rule": "11-11", "run_up": 10, "peak_before": 0, "uplift": 3.2},
    "雙12": {"en": "Double 12", "rule": "12-12", "run_up": 11, "peak_before": 0, "uplift": 1.9},
}
# Carriers over 春節 (nownews.com 2026-02-14: 蝦皮店到店 closed 除夕-初三, parcel intake stopped
# 除夕-初四, post office parcels suspended): no deliveries from 除夕 to 初四; orders placed from
# CARRIER_CUTOFF_DAYS before 除夕 are delivered from 初五 on.
CNY_NO_DELIVERY = (-1, 3)  # inclusive, in days from 初一: 除夕 = -1 ... 初四 = +3
CARRIER_CUTOFF_DAYS = 3
# Orders per day relative to an ordinary weekday (Monday..Sunday): Taiwanese shops see weekend
# peaks, Saturday first (trends.shopline.tw/customer, undated: weak source).
WEEKDAY_FACTOR = (0.96, 0.94, 0.95, 0.97, 0.99, 1.16, 1.12)

# Market calibration: 電子購物及郵購業 revenue, NT$ 億 (MOEA); 2025 = 2024 x 1.034.
MARKET_REVENUE_YI = {
    2019: 2_565,
    2020: 3_180,
    2021: 4_026,
    2022: 4_466,
    2023: 4_531,
    2024: 4_668,
    2025: 4_827,
}

COMPETITORS = ["美好生活網", "悅購商城", "小日子選品", "樂活市集"]

# ---------------------------------------------------------------------------
# Added by data-core: more data-only facts used by the core-table generators.
# ---------------------------------------------------------------------------

# Two-letter SKU prefix per category: "SKU-BE-0001".
SKU_PREFIX = {"beauty": "BE", "health_food": "HF", "home": "HM", "accessories_3c": "AC", "apparel": "AP"}

# Product types per category: stem -> (base price NT$, [(variant, price multiplier), ...]).
# A SKU is "brand + stem + variant"; its list price is base x variant multiplier x brand factor,
# so one product type spans at most about 3x (a three-pack against a single item).
PRODUCT_TYPES = {
    "beauty": {
        "玻尿酸保濕精華液": (680, [("30ml", 1.0), ("50ml", 1.5), ("兩入組", 1.85)]),
        "積雪草修護霜": (590, [("50ml", 1.0), ("100ml", 1.7)]),
        "胺基酸潔顏乳": (320, [("120g", 1.0), ("兩入組", 1.85)]),
        "維他命C亮白精華": (880, [("15ml", 0.65), ("30ml", 1.0)]),
        "清爽防曬乳": (420, [("50ml", 1.0), ("兩入組", 1.85)]),
        "神經醯胺保濕乳液": (520, [("100ml", 1.0), ("200ml", 1.7)]),
        "卸妝潔顏油": (450, [("150ml", 1.0), ("300ml", 1.7)]),
        "控油蜜粉": (390, [("10g", 1.0), ("補充包", 0.7)]),
        "保濕面膜": (299, [("5片", 1.0), ("10片", 1.8)]),
        "護手霜": (180, [("30ml", 1.0), ("三入組", 2.6)]),
        "洗髮精": (350, [("500ml", 1.0), ("1000ml", 1.7)]),
        "身體乳": (380, [("250ml", 1.0), ("500ml", 1.6)]),
    },
    "health_food": {
        "葉黃素膠囊": (690, [("30粒", 1.0), ("60粒", 1.8), ("90粒", 2.5)]),
        "益生菌粉包": (590, [("30包", 1.0), ("60包", 1.8)]),
        "魚油軟膠囊": (650, [("60粒", 1.0), ("120粒", 1.8)]),
        "膠原蛋白粉": (790, [("30包", 1.0), ("禮盒", 1.5)]),
        "綜合維他命": (450, [("60錠", 1.0), ("120錠", 1.8)]),
        "B群錠": (380, [("60錠", 1.0), ("三入組", 2.6)]),
        "鈣鎂鋅錠": (420, [("60錠", 1.0), ("120錠", 1.8)]),
        "薑黃錠": (560, [("60錠", 1.0), ("兩入組", 1.85)]),
        "蔓越莓錠": (520, [("60錠", 1.0), ("兩入組", 1.85)]),
        "黑芝麻粉": (360, [("500g", 1.0), ("兩入組", 1.85)]),
        "滴雞精": (1_080, [("10入", 1.0), ("20入禮盒", 1.9)]),
        "燕窩飲": (980, [("6入", 1.0), ("禮盒", 1.6)]),
    },
    "home": {
        "超細纖維毛巾": (190, [("單入", 1.0), ("三入組", 2.6)]),
        "不鏽鋼保溫瓶": (690, [("350ml", 0.85), ("500ml", 1.0), ("750ml", 1.25)]),
        "竹纖維收納盒": (350, [("小", 0.8), ("大", 1.2)]),
        "香氛擴香瓶": (490, [("100ml", 1.0), ("200ml", 1.6)]),
        "記憶枕": (1_290, [("單入", 1.0), ("兩入組", 1.85)]),
        "天絲床包組": (1_680, [("單人", 0.8), ("雙人", 1.0), ("加大", 1.25)]),
        "陶瓷餐盤組": (880, [("4件組", 1.0), ("8件組", 1.8)]),
        "抗菌砧板": (450, [("小", 0.8), ("大", 1.2)]),
        "折疊衣架": (260, [("10入", 1.0), ("20入", 1.8)]),
        "除濕盒": (199, [("6入", 1.0), ("12入", 1.85)]),
        "廚房紙巾架": (320, [("白", 1.0), ("黑", 1.0)]),
        "居家拖鞋": (290, [("米白", 1.0), ("灰色", 1.0)]),
    },
    "accessories_3c": {
        "磁吸行動電源": (890, [("5000mAh", 0.8), ("10000mAh", 1.0)]),
        "快充充電頭": (490, [("20W", 0.8), ("35W", 1.0), ("65W", 1.5)]),
        "編織傳輸線": (290, [("1m", 1.0), ("2m", 1.25)]),
        "藍牙耳機": (1_490, [("黑", 1.0), ("白", 1.0)]),
        "手機保護殼": (490, [("iPhone 16", 1.0), ("iPhone 16 Pro", 1.0), ("Galaxy S25", 1.0)]),
        "螢幕保護貼": (290, [("iPhone 16", 1.0), ("iPhone 16 Pro", 1.0)]),
        "無線充電盤": (690, [("黑", 1.0), ("白", 1.0)]),
        "藍牙喇叭": (1_290, [("黑", 1.0), ("藍", 1.0)]),
        "筆電支架": (790, [("銀", 1.0), ("灰", 1.0)]),
        "USB-C集線器": (990, [("6合1", 1.0), ("8合1", 1.35)]),
        "自拍棒": (450, [("黑", 1.0), ("白", 1.0)]),
        "智慧手環": (1_690, [("黑", 1.0), ("粉", 1.0)]),
    },
    "apparel": {
        "涼感T恤": (390, [("M", 1.0), ("L", 1.0), ("兩件組", 1.8)]),
        "彈性牛仔褲": (990, [("M", 1.0), ("L", 1.0)]),
        "輕羽絨外套": (1_680, [("M", 1.0), ("L", 1.0)]),
        "瑜珈褲": (790, [("S", 1.0), ("M", 1.0)]),
        "棉質襪組": (250, [("5雙組", 1.0), ("10雙組", 1.8)]),
        "防曬外套": (890, [("M", 1.0), ("L", 1.0)]),
        "亞麻襯衫": (1_190, [("M", 1.0), ("L", 1.0)]),
        "運動內衣": (690, [("S", 1.0), ("M", 1.0)]),
        "針織開襟衫": (1_080, [("M", 1.0), ("L", 1.0)]),
        "休閒短褲": (590, [("M", 1.0), ("L", 1.0)]),
        "連帽上衣": (890, [("M", 1.0), ("L", 1.0)]),
        "百搭帆布鞋": (1_290, [("24cm", 1.0), ("26cm", 1.0)]),
    },
}
PRODUCT_STEMS = {cat: list(types) for cat, types in PRODUCT_TYPES.items()}
HOUSE_BRAND = "好日子選物"
BRANDS = {
    "beauty": [HOUSE_BRAND, "水漾肌", "純萃", "森之語"],
    "health_food": [HOUSE_BRAND, "康健本舖", "元氣森林", "日日好"],
    "home": [HOUSE_BRAND, "家適", "木與棉", "日常器"],
    "accessories_3c": [HOUSE_BRAND, "電力星", "極簡科技", "連連看"],
    "apparel": [HOUSE_BRAND, "衣本", "輕著", "街角"],
}
# The house brand sells a little cheaper than the third-party brands yet keeps a higher margin
# (no wholesaler in between): price factor and extra gross margin (fraction) of house-brand SKUs.
HOUSE_BRAND_PRICE_FACTOR = (0.85, 0.95)
HOUSE_BRAND_MARGIN_PREMIUM = (0.08, 0.14)

# GA4 geo fields are reported in English: county/city -> (geo region, main city).
CITY_GA4 = {
    "新北市": ("New Taipei City", "Banqiao"),
    "臺中市": ("Taichung City", "Taichung"),
    "高雄市": ("Kaohsiung City", "Kaohsiung"),
    "臺北市": ("Taipei City", "Taipei"),
    "桃園市": ("Taoyuan City", "Taoyuan"),
    "臺南市": ("Tainan City", "Tainan"),
    "彰化縣": ("Changhua County", "Changhua"),
    "屏東縣": ("Pingtung County", "Pingtung"),
    "雲林縣": ("Yunlin County", "Douliu"),
    "新竹縣": ("Hsinchu County", "Zhubei"),
    "苗栗縣": ("Miaoli County", "Miaoli"),
    "嘉義縣": ("Chiayi County", "Taibao"),
    "新竹市": ("Hsinchu City", "Hsinchu"),
    "南投縣": ("Nantou County", "Nantou"),
    "宜蘭縣": ("Yilan County", "Yilan"),
    "基隆市": ("Keelung City", "Keelung"),
    "花蓮縣": ("Hualien County", "Hualien"),
    "嘉義市": ("Chiayi City", "Chiayi"),
    "臺東縣": ("Taitung County", "Taitung"),
    "金門縣": ("Kinmen County", "Jincheng"),
    "澎湖縣": ("Penghu County", "Magong"),
    "連江縣": ("Lienchiang County", "Nangan"),
}

# First letter of the national ID number by county/city of household registration.
NATIONAL_ID_LETTER = {
    "臺北市": "A",
    "臺中市": "B",
    "基隆市": "C",
    "臺南市": "D",
    "高雄市": "E",
    "新北市": "F",
    "宜蘭縣": "G",
    "桃園市": "H",
    "嘉義市": "I",
    "新竹縣": "J",
    "苗栗縣": "K",
    "南投縣": "M",
    "彰化縣": "N",
    "新竹市": "O",
    "雲林縣": "P",
    "嘉義縣": "Q",
    "屏東縣": "T",
    "花蓮縣": "U",
    "臺東縣": "V",
    "金門縣": "W",
    "澎湖縣": "X",
    "連江縣": "Z",
}
# Letter -> two-digit code used by the checksum (內政部 rule).
NATIONAL_ID_LETTER_CODE = {
    "A": 10,
    "B": 11,
    "C": 12,
    "D": 13,
    "E": 14,
    "F": 15,
    "G": 16,
    "H": 17,
    "I": 34,
    "J": 18,
    "K": 19,
    "L": 20,
    "M": 21,
    "N": 22,
    "O": 35,
    "P": 23,
    "Q": 24,
    "R": 25,
    "S": 26,
    "T": 27,
    "U": 28,
    "V": 29,
    "W": 32,
    "X": 30,
    "Y": 31,
    "Z": 33,
}
# Marker of this course's synthetic IDs: the three digits after the sex digit are "999".
SYNTHETIC_NATIONAL_ID_MARKER = "999"

# Example domains only (RFC 2606 / reserved): no real mailbox can be hit.
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.tw"]
EMAIL_WORDS = [
    "sunny",
    "happy",
    "cat",
    "tea",
    "rice",
    "moon",
    "star",
    "bubble",
    "lucky",
    "maple",
    "panda",
    "ocean",
    "mango",
    "cloud",
    "peach",
    "kiwi",
    "river",
    "jade",
    "lily",
    "tiger",
]

CONSENT_PURPOSES = {
    "order": "訂單處理",
    "marketing": "行銷推播",
    "analytics": "會員分析",
    "partner": "第三方共同行銷",
}

# Sensitive data (個資法 §6) that should never sit in a marketing CRM: a few members have it.
HEALTH_NOTES = ["對花生過敏", "乳糖不耐", "懷孕中", "糖尿病飲食控制", "對酒精過敏", "高血壓用藥中", "蠶豆症"]

# GA4 affinity interests per product category (the demographics "interest" dimension).
INTERESTS = {
    "beauty": ["Beauty Mavens", "Shoppers/Luxury Shoppers"],
    "health_food": ["Health & Fitness Buffs", "Cooking Enthusiasts"],
    "home": ["Home Decor Enthusiasts", "Cooking Enthusiasts"],
    "accessories_3c": ["Technophiles", "Mobile Enthusiasts"],
    "apparel": ["Fashionistas", "Shoppers/Value Shoppers"],
}

# Paid-search terms per category (Google Ads term on cpc sessions).
SEARCH_TERMS = {
    "beauty": ["保濕精華推薦", "敏感肌保養", "防曬乳推薦", "卸妝油"],
    "health_food": ["葉黃素推薦", "益生菌推薦", "魚油哪個牌子好", "膠原蛋白"],
    "home": ["保溫瓶推薦", "收納盒", "記憶枕推薦", "除濕盒"],
    "accessories_3c": ["行動電源推薦", "快充頭", "藍牙耳機推薦", "手機殼"],
    "apparel": ["涼感衣", "瑜珈褲推薦", "輕羽絨外套", "防曬外套"],
}
BRAND_SEARCH_TERMS = ["好日子選物", "好日子 官網", "gooddays 選物"]

# Extra traffic sources seen in the web stream besides catalog.TRAFFIC_SOURCES.
EXTRA_TRAFFIC_SOURCES = [
    ("momoshop.com.tw", "referral", None),
    ("pchome.com.tw", "referral", None),
    ("tw.news.yahoo.com", "referral", None),
    ("chatgpt.com", "referral", None),
    ("line", "referral", None),
    ("google", "cpc", "pmax_cross-network"),
    ("facebook", "cpc", "fb_dpa_shopping"),
    ("app_push", "push", "app_reengage"),
    ("sms", "sms", "sms_member_day"),
    ("tw.search.yahoo.com", "organic", None),
]
# Taiwanese forums and marketplaces: not on Google's source lists, so untagged links land in Referral.
TW_FORUMS_MARKETPLACES = [
    "ptt.cc",
    "dcard.tw",
    "mobile01.com",
    "shopee.tw",
    "momoshop.com.tw",
    "pchome.com.tw",
]

# Hosts of the planted bot-traffic spike: they look like ordinary referrers (a deal site, a news
# portal, a price comparer), so the spike is found by its behaviour, not by its name.
BOT_SOURCES = [
    "dealhunter-tw.net",
    "twnews-daily.net",
    "pricecompare.tw-shop.net",
    "lifestyle-guide.tw-info.net",
    "shopping-notes.blog-tw.net",
    "coupon-tw.org",
]

# Coupons: code -> (discount type, amount). Event codes are used only around their event.
COUPONS = {
    "WELCOME100": ("fixed", 100),
    "LINE50": ("fixed", 50),
    "MEMBER10": ("percent", 10),
    "VIP15": ("percent", 15),
}
EVENT_COUPONS = {
    "春節": "CNY88",
    "母親節": "MOM2024",
    "618": "MID618",
    "父親節": "DAD88",
    "中秋": "MOON100",
    "週年慶": "ANNIV15",
    "雙11": "DOUBLE11",
    "雙12": "DOUBLE12",
}
