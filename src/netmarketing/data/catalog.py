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
PLATFORMS = {
    "website": {"zh": "官方網站", "own": True},
    "app": {"zh": "行動 APP", "own": True},
    "line_store": {"zh": "LINE 官方帳號商店", "own": True},
    "momo": {"zh": "momo購物網", "own": False},
    "shopee": {"zh": "蝦皮購物", "own": False},
    "pchome": {"zh": "PChome 24h", "own": False},
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

# 22 counties and cities with population in thousands (2024, rounded): weights for geo.
CITIES = {
    "新北市": 4_048, "臺中市": 2_850, "高雄市": 2_730, "臺北市": 2_490, "桃園市": 2_330,
    "臺南市": 1_850, "彰化縣": 1_240, "屏東縣": 790, "雲林縣": 660, "新竹縣": 590,
    "苗栗縣": 530, "嘉義縣": 480, "新竹市": 460, "南投縣": 480, "宜蘭縣": 450,
    "基隆市": 360, "花蓮縣": 320, "嘉義市": 260, "臺東縣": 210, "金門縣": 140,
    "澎湖縣": 110, "連江縣": 14,
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
BROWSERS = {"iOS": "Safari", "Android": "Chrome", "Windows": "Chrome", "Macintosh": "Safari", "Linux": "Firefox"}

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

# Seasonal peaks of Taiwanese e-commerce: (name_zh, name_en, month, day_from, day_to, uplift).
# Lunar New Year and Mid-Autumn move with the lunar calendar: dates per year.
SEASONAL_EVENTS = {
    "春節": {"en": "Lunar New Year", "dates": {2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17"}},
    "母親節": {"en": "Mother's Day", "dates": {2024: "2024-05-12", 2025: "2025-05-11", 2026: "2026-05-10"}},
    "618": {"en": "618 mid-year sale", "dates": {2024: "2024-06-18", 2025: "2025-06-18", 2026: "2026-06-18"}},
    "父親節": {"en": "Father's Day", "dates": {2024: "2024-08-08", 2025: "2025-08-08", 2026: "2026-08-08"}},
    "中秋": {"en": "Mid-Autumn Festival", "dates": {2024: "2024-09-17", 2025: "2025-10-06", 2026: "2026-09-25"}},
    "週年慶": {"en": "Anniversary sale", "dates": {2024: "2024-10-25", 2025: "2025-10-24", 2026: "2026-10-23"}},
    "雙11": {"en": "Double 11", "dates": {2024: "2024-11-11", 2025: "2025-11-11"}},
    "雙12": {"en": "Double 12", "dates": {2024: "2024-12-12", 2025: "2025-12-12"}},
}

# Market calibration: 電子購物及郵購業 revenue, NT$ 億 (MOEA); 2025 = 2024 x 1.034.
MARKET_REVENUE_YI = {2019: 2_565, 2020: 3_180, 2021: 4_026, 2022: 4_466, 2023: 4_531, 2024: 4_668, 2025: 4_827}

COMPETITORS = ["美好生活網", "悅購商城", "小日子選品", "樂活市集"]
