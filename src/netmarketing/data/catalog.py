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

# ---------------------------------------------------------------------------
# Added by data-core: more data-only facts used by the core-table generators.
# ---------------------------------------------------------------------------

# Two-letter SKU prefix per category: "SKU-BE-0001".
SKU_PREFIX = {"beauty": "BE", "health_food": "HF", "home": "HM", "accessories_3c": "AC", "apparel": "AP"}

# Product name stems per category: the name is "brand + stem + variant".
PRODUCT_STEMS = {
    "beauty": ["玻尿酸保濕精華液", "積雪草修護霜", "胺基酸潔顏乳", "維他命C亮白精華", "清爽防曬乳",
               "神經醯胺保濕乳液", "卸妝潔顏油", "控油蜜粉", "保濕面膜", "護手霜", "洗髮精", "身體乳"],
    "health_food": ["葉黃素膠囊", "益生菌粉包", "魚油軟膠囊", "膠原蛋白粉", "綜合維他命", "B群錠",
                    "鈣鎂鋅錠", "薑黃錠", "紅麴膠囊", "蔓越莓錠", "滴雞精", "燕窩飲"],
    "home": ["超細纖維毛巾", "不鏽鋼保溫瓶", "竹纖維收納盒", "香氛擴香瓶", "記憶枕", "天絲床包組",
             "陶瓷餐盤組", "抗菌砧板", "折疊衣架", "除濕盒", "廚房紙巾架", "居家拖鞋"],
    "accessories_3c": ["磁吸行動電源", "快充充電頭", "編織傳輸線", "藍牙耳機", "手機保護殼", "螢幕保護貼",
                       "無線充電盤", "藍牙喇叭", "筆電支架", "USB-C集線器", "自拍棒", "智慧手環"],
    "apparel": ["涼感T恤", "彈性牛仔褲", "輕羽絨外套", "瑜珈褲", "棉質襪組", "防曬外套",
                "亞麻襯衫", "運動內衣", "針織開襟衫", "休閒短褲", "連帽上衣", "百搭帆布鞋"],
}
PRODUCT_VARIANTS = {
    "beauty": ["30ml", "50ml", "100ml", "200ml", "旅行組", "兩入組"],
    "health_food": ["30粒", "60粒", "90粒", "30包", "禮盒", "三入組"],
    "home": ["單入", "兩入組", "大", "小", "米白", "灰色"],
    "accessories_3c": ["黑", "白", "藍", "10000mAh", "20W", "1m"],
    "apparel": ["S", "M", "L", "XL", "黑", "白"],
}
BRANDS = {
    "beauty": ["好日子選物", "水漾肌", "純萃", "森之語"],
    "health_food": ["好日子選物", "康健本舖", "元氣森林", "日日好"],
    "home": ["好日子選物", "家適", "木與棉", "日常器"],
    "accessories_3c": ["好日子選物", "電力星", "極簡科技", "連連看"],
    "apparel": ["好日子選物", "衣本", "輕著", "街角"],
}

# GA4 geo fields are reported in English: county/city -> (geo region, main city).
CITY_GA4 = {
    "新北市": ("New Taipei City", "Banqiao"), "臺中市": ("Taichung City", "Taichung"),
    "高雄市": ("Kaohsiung City", "Kaohsiung"), "臺北市": ("Taipei City", "Taipei"),
    "桃園市": ("Taoyuan City", "Taoyuan"), "臺南市": ("Tainan City", "Tainan"),
    "彰化縣": ("Changhua County", "Changhua"), "屏東縣": ("Pingtung County", "Pingtung"),
    "雲林縣": ("Yunlin County", "Douliu"), "新竹縣": ("Hsinchu County", "Zhubei"),
    "苗栗縣": ("Miaoli County", "Miaoli"), "嘉義縣": ("Chiayi County", "Taibao"),
    "新竹市": ("Hsinchu City", "Hsinchu"), "南投縣": ("Nantou County", "Nantou"),
    "宜蘭縣": ("Yilan County", "Yilan"), "基隆市": ("Keelung City", "Keelung"),
    "花蓮縣": ("Hualien County", "Hualien"), "嘉義市": ("Chiayi City", "Chiayi"),
    "臺東縣": ("Taitung County", "Taitung"), "金門縣": ("Kinmen County", "Jincheng"),
    "澎湖縣": ("Penghu County", "Magong"), "連江縣": ("Lienchiang County", "Nangan"),
}

# First letter of the national ID number by county/city of household registration.
NATIONAL_ID_LETTER = {
    "臺北市": "A", "臺中市": "B", "基隆市": "C", "臺南市": "D", "高雄市": "E", "新北市": "F",
    "宜蘭縣": "G", "桃園市": "H", "嘉義市": "I", "新竹縣": "J", "苗栗縣": "K", "南投縣": "M",
    "彰化縣": "N", "新竹市": "O", "雲林縣": "P", "嘉義縣": "Q", "屏東縣": "T", "花蓮縣": "U",
    "臺東縣": "V", "金門縣": "W", "澎湖縣": "X", "連江縣": "Z",
}
# Letter -> two-digit code used by the checksum (內政部 rule).
NATIONAL_ID_LETTER_CODE = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}
# Marker of this course's synthetic IDs: the three digits after the sex digit are "999".
SYNTHETIC_NATIONAL_ID_MARKER = "999"

# Example domains only (RFC 2606 / reserved): no real mailbox can be hit.
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.tw"]
EMAIL_WORDS = ["sunny", "happy", "cat", "tea", "rice", "moon", "star", "bubble", "lucky", "maple",
               "panda", "ocean", "mango", "cloud", "peach", "kiwi", "river", "jade", "lily", "tiger"]

CONSENT_PURPOSES = {"order": "訂單處理", "marketing": "行銷推播", "analytics": "會員分析", "partner": "第三方共同行銷"}

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
TW_FORUMS_MARKETPLACES = ["ptt.cc", "dcard.tw", "mobile01.com", "shopee.tw", "momoshop.com.tw", "pchome.com.tw"]

# Referral-spam hosts used for the planted bot-traffic spike.
BOT_SOURCES = ["buttons-for-website.example", "free-seo-traffic.example", "best-ranking.example", "traffic2cash.example"]

# Coupons: code -> (discount type, amount). Event codes are used only around their event.
COUPONS = {
    "WELCOME100": ("fixed", 100),
    "LINE50": ("fixed", 50),
    "MEMBER10": ("percent", 10),
    "VIP15": ("percent", 15),
}
EVENT_COUPONS = {
    "春節": "CNY88", "母親節": "MOM2024", "618": "MID618", "父親節": "DAD88", "中秋": "MOON100",
    "週年慶": "ANNIV15", "雙11": "DOUBLE11", "雙12": "DOUBLE12",
}
