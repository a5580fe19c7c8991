"""CRM members generator (table ``members``) with synthetic personal data.

Names are drawn, vectorised, from Faker's ``zh_TW`` name lists (weights
included); mobiles, e-mails and national ID numbers are built with numpy.
National IDs have a valid checksum yet are clearly synthetic: the three
digits after the sex digit are always ``catalog.SYNTHETIC_NATIONAL_ID_MARKER``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker.providers.person.zh_TW import Provider as ZhTwNames

from netmarketing.data import catalog

GENDER_DTYPE = pd.CategoricalDtype(["female", "male", "other"])
AGE_DTYPE = pd.CategoricalDtype(catalog.AGE_BRACKETS, ordered=True)
EDUCATION_DTYPE = pd.CategoricalDtype(catalog.EDUCATION_LEVELS, ordered=True)
INCOME_DTYPE = pd.CategoricalDtype(catalog.INCOME_BRACKETS, ordered=True)
CITY_DTYPE = pd.CategoricalDtype(list(catalog.CITIES))

# Age of the CRM members: an online lifestyle shop skews to 25-44, yet the 65+ shop online too
# (TWNIC 台灣網路報告 2025-12-17: 53.8 % of people aged 70+ use the internet).
AGE_WEIGHTS = np.array([0.11, 0.27, 0.26, 0.17, 0.11, 0.08])
# Education by age bracket (國中以下, 高中職, 專科, 大學, 碩士以上): falls with age as in 內政部's
# 15歲以上人口教育程度統計 (大專以上 42.7 % of all adults in 2015, 68.5 % of the 20-24 in 大學),
# tilted up a little because online shoppers are better educated than the population.
EDUCATION_BY_AGE = np.array(
    [
        [0.03, 0.30, 0.04, 0.58, 0.05],
        [0.02, 0.14, 0.05, 0.60, 0.19],
        [0.03, 0.20, 0.10, 0.50, 0.17],
        [0.08, 0.32, 0.17, 0.33, 0.10],
        [0.18, 0.38, 0.16, 0.22, 0.06],
        [0.38, 0.32, 0.11, 0.15, 0.04],
    ]
)
# Monthly personal income by age bracket (未滿3萬, 3-5萬, 5-8萬, 8-12萬, 12萬以上), calibrated on
# 主計總處: 2024 total pay deciles (D1 33萬, Q1 40.6萬, median 54.6萬, Q3 84.2萬, D9 133.6萬 a year,
# 2025-11-25) and regular pay medians by age (<30 31,740; 30-39 39,019; 40-49 42,064; 50-64 43,143;
# 65+ 38,199 a month, Jan-Oct 2025, 2025-12-11). Members include students, homemakers and retirees,
# so about 13 % earn NT$80k or more a month.
INCOME_BY_AGE = np.array(
    [
        [0.62, 0.32, 0.05, 0.01, 0.00],
        [0.18, 0.50, 0.24, 0.06, 0.02],
        [0.14, 0.38, 0.30, 0.12, 0.06],
        [0.16, 0.34, 0.28, 0.14, 0.08],
        [0.25, 0.36, 0.23, 0.10, 0.06],
        [0.55, 0.28, 0.11, 0.04, 0.02],
    ]
)
AGE_LOW = np.array([18, 25, 35, 45, 55, 65])
AGE_HIGH = np.array([24, 34, 44, 54, 64, 80])


def city_weights(rng: np.random.Generator | None = None) -> np.ndarray:
    """Return online-shopper weights of ``catalog.CITIES`` (sum 1): population x e-commerce index.

    With ``rng``, each city's weight also moves by a few per cent (every variant differs a little).
    """
    pop = np.array(list(catalog.CITIES.values()), dtype=float)
    index = np.array([catalog.CITY_ECOMMERCE_INDEX[c] for c in catalog.CITIES])
    weights = pop * index
    if rng is not None:
        weights = weights * rng.lognormal(0, 0.08, len(weights))
    return weights / weights.sum()


def _weighted(names: dict[str, float], size: int, rng: np.random.Generator) -> np.ndarray:
    keys = np.array(list(names))
    weights = np.array(list(names.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _draw_rows(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one category index per row of a probability matrix (rows sum to 1)."""
    cum = np.cumsum(p, axis=1)
    return np.minimum((rng.random((len(p), 1)) > cum).sum(axis=1), p.shape[1] - 1)


def national_id_checksum(letter_codes: np.ndarray, digits: np.ndarray) -> np.ndarray:
    """Return the check digit for letter codes (10..35) and the first 8 digits (n x 8 array)."""
    weights = np.array([8, 7, 6, 5, 4, 3, 2, 1])
    total = letter_codes // 10 + (letter_codes % 10) * 9 + digits @ weights
    return (10 - total % 10) % 10


def is_valid_national_id(ids: pd.Series) -> pd.Series:
    """Tell, vectorised, whether each national ID has the right form and checksum."""
    ids = ids.astype("str")
    ok = ids.str.fullmatch(r"[A-Z][12]\d{8}").fillna(False).astype(bool)
    result = pd.Series(False, index=ids.index)
    if ok.any():
        good = ids[ok]
        codes = good.str[0].map(catalog.NATIONAL_ID_LETTER_CODE).to_numpy(dtype=np.int64)
        digits = np.array([list(map(int, s[1:])) for s in good])
        weights = np.array([8, 7, 6, 5, 4, 3, 2, 1, 1])
        total = codes // 10 + (codes % 10) * 9 + digits @ weights
        result[ok] = total % 10 == 0
    return result


def make_members(
    n_members: int,
    *,
    target_segment: dict,
    lapsing_share: float = 0.02,
    city_p: np.ndarray | None = None,
    rng: np.random.Generator | int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate CRM members and their hidden behaviour (activity, preference, lapsing).

    Parameters
    ----------
    n_members : number of members.
    target_segment : planted segment {"gender", "age_bracket", "preferred_category", "affinity"}:
        its members lean towards ``preferred_category`` (the strength category) by ``affinity``.
    lapsing_share : share of members in the lapsing high-value segment.
    city_p : city weights (default :func:`city_weights`).
    rng : seed or generator.

    Returns
    -------
    members : the public CRM table.
    hidden : same index; activity weight, category preference weights, lapsing flag, device.
    """
    rng = np.random.default_rng(rng)
    n = n_members
    gender = rng.choice(np.array(["female", "male", "other"]), size=n, p=[0.62, 0.36, 0.02])
    age_idx = rng.choice(6, size=n, p=AGE_WEIGHTS)
    age = rng.integers(AGE_LOW[age_idx], AGE_HIGH[age_idx] + 1)
    ref = pd.Timestamp("2026-10-31")
    birth = (ref - pd.to_timedelta(age * 365.25 + rng.integers(0, 365, size=n), unit="D")).normalize()

    city_keys = np.array(list(catalog.CITIES))
    city = city_keys[rng.choice(len(city_keys), size=n, p=city_weights() if city_p is None else city_p)]

    female_first = _weighted(ZhTwNames.first_names_female, n, rng)
    male_first = _weighted(ZhTwNames.first_names_male, n, rng)
    last = _weighted(ZhTwNames.last_names, n, rng)
    first = np.where(
        gender == "female",
        female_first,
        np.where(gender == "male", male_first, np.where(rng.random(n) < 0.5, female_first, male_first)),
    )
    name = np.char.add(last.astype(str), first.astype(str))

    mobile = (
        "09"
        + pd.Series(rng.integers(0, 100, n)).astype(str).str.zfill(2)
        + "-"
        + pd.Series(rng.integers(0, 1000, n)).astype(str).str.zfill(3)
        + "-"
        + pd.Series(rng.integers(0, 1000, n)).astype(str).str.zfill(3)
    )

    words = np.array(catalog.EMAIL_WORDS)
    domains = np.array(catalog.EMAIL_DOMAINS)
    email = (
        pd.Series(words[rng.integers(0, len(words), n)])
        + "."
        + pd.Series(words[rng.integers(0, len(words), n)])
        + pd.Series(rng.integers(1, 9999, n)).astype(str)
        + "@"
        + pd.Series(domains[rng.integers(0, len(domains), n)])
    )
    # Unique e-mails: suffix the member number where a collision happened.
    dup = email.duplicated().to_numpy()
    email[dup] = [
        f"{e.split('@')[0]}_{i}@{e.split('@')[1]}"
        for i, e in zip(np.flatnonzero(dup), email[dup], strict=False)
    ]

    letters = pd.Series(city).map(catalog.NATIONAL_ID_LETTER).to_numpy(dtype=object)
    # About a fifth were born elsewhere than they live now.
    moved = rng.random(n) < 0.2
    all_letters = np.array(list(catalog.NATIONAL_ID_LETTER.values()))
    letters = np.where(moved, all_letters[rng.integers(0, len(all_letters), n)], letters)
    sex_digit = np.where(gender == "male", 1, np.where(gender == "female", 2, rng.integers(1, 3, n)))
    marker = np.array([int(d) for d in catalog.SYNTHETIC_NATIONAL_ID_MARKER])
    digits = np.column_stack([sex_digit, np.tile(marker, (n, 1)), rng.integers(0, 10, size=(n, 4))])
    codes = pd.Series(letters).map(catalog.NATIONAL_ID_LETTER_CODE).to_numpy(dtype=np.int64)
    check = national_id_checksum(codes, digits)
    digit_str = pd.Series([""] * n)
    for col in range(8):
        digit_str = digit_str + digits[:, col].astype(str)
    national_id = pd.Series(letters) + digit_str + pd.Series(check).astype(str)

    # Education falls with age; income follows age and moves one bracket with education.
    education = _draw_rows(EDUCATION_BY_AGE[age_idx], rng)
    income = _draw_rows(INCOME_BY_AGE[age_idx], rng)
    tilt = rng.random(n)
    income = np.where((education >= 3) & (tilt < 0.22), income + 1, income)
    income = np.where((education <= 1) & (tilt < 0.22), income - 1, income)
    income = np.clip(income, 0, 4)

    join_days = rng.integers(-6 * 365, 34 * 30, size=n)
    join_date = (pd.Timestamp(catalog.HISTORY_START) + pd.to_timedelta(join_days, unit="D")).normalize()

    consent = rng.random(n) < 0.68
    purposes = np.where(
        consent,
        catalog.CONSENT_PURPOSES["order"] + ";" + catalog.CONSENT_PURPOSES["marketing"],
        catalog.CONSENT_PURPOSES["order"],
    )
    extra = rng.random(n)
    purposes = np.where(
        consent & (extra < 0.35),
        np.char.add(purposes.astype(str), ";" + catalog.CONSENT_PURPOSES["analytics"]),
        purposes,
    )
    purposes = np.where(
        consent & (extra < 0.08),
        np.char.add(purposes.astype(str), ";" + catalog.CONSENT_PURPOSES["partner"]),
        purposes,
    )
    # Some consenting members later opted out (個資法 §20 II): consent turns False.
    opted_out = consent & (rng.random(n) < 0.10)
    opt_days = rng.integers(0, 34 * 30, size=n)
    opt_out_date = pd.Series(pd.Timestamp(catalog.HISTORY_START) + pd.to_timedelta(opt_days, unit="D"))
    opt_out_date = opt_out_date.where(opted_out).dt.normalize().astype("datetime64[s]")
    opt_out_date = opt_out_date.where(
        ~opted_out | (opt_out_date >= join_date), join_date + pd.Timedelta(days=30)
    )
    opt_out_date = opt_out_date.where(opted_out)
    consent = consent & ~opted_out

    health = np.array(catalog.HEALTH_NOTES)[rng.integers(0, len(catalog.HEALTH_NOTES), n)]
    health_notes = pd.Series(health, dtype="str").where(rng.random(n) < 0.012)

    members = pd.DataFrame(
        {
            "member_id": [f"M{i + 1:06d}" for i in range(n)],
            "name": pd.Series(name, dtype="str"),
            "national_id": national_id.astype("str"),
            "mobile": mobile.astype("str"),
            "email": email.astype("str"),
            "gender": pd.Categorical(gender, dtype=GENDER_DTYPE),
            "birth_date": birth.astype("datetime64[s]"),
            "age_bracket": pd.Categorical.from_codes(age_idx, dtype=AGE_DTYPE),
            "education": pd.Categorical.from_codes(education, dtype=EDUCATION_DTYPE),
            "income_bracket": pd.Categorical.from_codes(income, dtype=INCOME_DTYPE),
            "city": pd.Categorical(city, dtype=CITY_DTYPE),
            "join_date": join_date.astype("datetime64[s]"),
            "marketing_consent": consent,
            "consent_purposes": pd.Series(purposes, dtype="str"),
            "marketing_opt_out_date": opt_out_date.to_numpy(),
            "health_notes": health_notes,
            "line_user_linked": rng.random(n) < np.where(consent, 0.55, 0.25),
        }
    )

    # Hidden behaviour, never exported.
    cats = list(catalog.CATEGORIES)
    pref = rng.dirichlet(np.ones(len(cats)) * 2.0, size=n)
    seg = (gender == target_segment["gender"]) & (
        age_idx == catalog.AGE_BRACKETS.index(target_segment["age_bracket"])
    )
    pref[seg, cats.index(target_segment["preferred_category"])] += float(target_segment.get("affinity", 1.0))
    pref = pref / pref.sum(axis=1, keepdims=True)
    activity = rng.lognormal(0.0, 0.8, size=n)
    # Lapsing high-value members: early joiners who bought like the top 1 % until they stopped.
    lapsing = (rng.random(n) < lapsing_share) & (join_days < 90)
    # Each lapsing member buys like 14-20 average members (together about a quarter of member orders).
    activity = np.where(lapsing, activity[~lapsing].mean() * rng.uniform(14, 20, n), activity)
    hidden = pd.DataFrame(
        {"activity": activity, "lapsing": lapsing, "in_target": seg, "join_days": join_days}
    )
    for i, c in enumerate(cats):
        hidden[f"pref_{c}"] = pref[:, i]
    return members, hidden
