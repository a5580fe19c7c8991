"""Generate the customer survey: preferences, importance and satisfaction (Likert 1-5), NPS.

Planted truth: every age bracket (the survey's segment) has a preferred
category, a preferred shopping channel and one attribute that matters most
to it; overall, one attribute shows the largest importance-satisfaction gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netmarketing.data import catalog

# Attribute code -> zh-TW label (column suffix of importance_* and satisfaction_*).
ATTRIBUTES = {
    "price": "價格",
    "quality": "品質",
    "delivery": "配送速度",
    "service": "客服",
    "brand_trust": "品牌信任",
    "promotion": "促銷",
}
BASE_IMPORTANCE = {
    "price": 3.7,
    "quality": 3.8,
    "delivery": 3.6,
    "service": 3.3,
    "brand_trust": 3.3,
    "promotion": 2.9,
}
TOP_LIFT = 0.45  # a segment's top attribute: this much above the most important attribute overall
BASE_SATISFACTION = {
    "price": 3.7,
    "quality": 3.9,
    "delivery": 3.6,
    "service": 3.5,
    "brand_trust": 3.8,
    "promotion": 2.95,  # the lowest satisfaction, yet unimportant: a naive "lowest score" misleads
}
GAP_DROP = (0.35, 0.5)  # the planted weak attribute's satisfaction sits this much lower
GAP_CANDIDATES = ["delivery", "service", "price"]
HALO = 0.7  # loading of each satisfaction answer on the respondent's overall satisfaction
CONTENT_TYPES = ["開箱影片", "成分與規格解說", "KOL 實測心得", "限時優惠資訊", "買家評價整理"]
SURVEY_CHANNELS = list(catalog.PLATFORMS)
SURVEY_GENDERS = ["female", "male", "other"]  # as in the CRM members table
PREFERRED_SHARE = 0.3  # share of a segment choosing its planted category / channel (others pick at random)
MEMBER_SHARE = 0.7


def _segment_of(target_segment) -> str | None:
    """Return the age bracket named by a core ``target_segment`` truth, if any."""
    if isinstance(target_segment, str) and target_segment in catalog.AGE_BRACKETS:
        return target_segment
    if isinstance(target_segment, dict):
        for key in ("age_bracket", "age", "segment"):
            value = target_segment.get(key)
            if isinstance(value, str) and value in catalog.AGE_BRACKETS:
                return value
    return None


def _likert(rng: np.random.Generator, means: np.ndarray, sd: float = 0.75) -> np.ndarray:
    """Draw 1-5 Likert answers around the given means."""
    return np.clip(np.rint(rng.normal(means, sd)), 1, 5).astype("int8")


def make_survey_responses(
    members: pd.DataFrame | None,
    n_respondents: int | None = None,
    *,
    target_segment=None,
    strength_category: str | None = None,
    rng=None,
) -> tuple[pd.DataFrame, dict]:
    """Generate survey responses with planted segment preferences.

    Parameters
    ----------
    members : pandas.DataFrame or None
        Core members (member_id, age_bracket, gender, city); 70 % of the
        respondents are sampled from them, the rest are non-members.
    n_respondents : int, optional
        Number of respondents; drawn between 900 and 1,200 when omitted.
    target_segment : str or dict, optional
        The core's target segment ({"gender", "age_bracket", "preferred_category"});
        its age bracket prefers its preferred category (else ``strength_category``).
    strength_category : str, optional
        The core's strength category.
    rng : int or numpy.random.Generator, optional
        Seed or generator.

    Returns
    -------
    responses : pandas.DataFrame
    truth : dict
        "segment_preferences" and "satisfaction_gap_attribute".
    """
    rng = np.random.default_rng(rng)
    if n_respondents is None:
        n_respondents = int(rng.integers(900, 1_201))
    brackets = catalog.AGE_BRACKETS
    categories = list(catalog.CATEGORIES)
    attributes = list(ATTRIBUTES)

    # Planted preferences per age bracket.
    preferred_category = [categories[i % len(categories)] for i in rng.permutation(len(brackets))]
    target = _segment_of(target_segment)
    wanted = target_segment.get("preferred_category") if isinstance(target_segment, dict) else None
    wanted = wanted if wanted in categories else strength_category
    if target is not None and wanted in categories:
        t = brackets.index(target)
        if preferred_category[t] != wanted:
            # Swap so that the target segment prefers its category (the core's, else the strength).
            if wanted in preferred_category:
                other = preferred_category.index(wanted)
                preferred_category[other] = preferred_category[t]
            preferred_category[t] = wanted
    preferred_channel = [SURVEY_CHANNELS[i] for i in rng.integers(0, len(SURVEY_CHANNELS), len(brackets))]
    # Each attribute is the top one of exactly one segment (6 brackets, 6 attributes).
    top_attribute = [attributes[i % len(attributes)] for i in rng.permutation(len(brackets))]
    gap_attribute = GAP_CANDIDATES[rng.integers(len(GAP_CANDIDATES))]

    # Respondents: members first (their CRM profile), then non-members (quota-like, uniform age).
    n_members = 0
    if members is not None and "age_bracket" in members:
        members = members[members["age_bracket"].notna()]  # respondents state their age
    if members is not None and len(members) > 0:
        n_members = min(round(n_respondents * MEMBER_SHARE), len(members))
    picked = members.iloc[np.sort(rng.choice(len(members), n_members, replace=False))] if n_members else None
    n_guests = n_respondents - n_members
    cities = list(catalog.CITIES)
    population = np.array(list(catalog.CITIES.values()), dtype=float)
    guest_age = rng.choice(brackets, n_guests)
    guest_gender = rng.choice(SURVEY_GENDERS, n_guests, p=[0.6, 0.37, 0.03])
    guest_city = rng.choice(cities, n_guests, p=population / population.sum())
    if picked is not None:
        member_id = np.concatenate([picked["member_id"].to_numpy(dtype=object), np.full(n_guests, None)])
        age = np.concatenate([picked["age_bracket"].astype(str).to_numpy(), guest_age])
        gender = np.concatenate([picked["gender"].astype(str).to_numpy(), guest_gender])
        city = np.concatenate([picked["city"].astype(str).to_numpy(), guest_city])
    else:
        member_id, age, gender, city = np.full(n_guests, None), guest_age, guest_gender, guest_city
    age = np.where(np.isin(age, brackets), age, brackets[1])  # brackets outside the list fall back
    seg = pd.Categorical(age, categories=brackets).codes.astype(int)
    n = len(seg)

    # Preferences: the planted choice with probability PREFERRED_SHARE, else uniform.
    def planted_choice(planted: list[str], options: list[str]) -> np.ndarray:
        random_pick = np.array(options)[rng.integers(0, len(options), n)]
        keep = rng.random(n) < PREFERRED_SHARE
        return np.where(keep, np.array(planted)[seg], random_pick)

    category_choice = planted_choice(preferred_category, categories)
    channel_choice = planted_choice(preferred_channel, SURVEY_CHANNELS)

    # Every respondent answers through a scale-use habit (importance) and an overall satisfaction
    # (the halo): attribute scores correlate, and NPS follows overall satisfaction.
    scale_use = rng.normal(0, 0.35, (n, 1))
    halo = rng.normal(0, 1, (n, 1))
    importance_means = np.tile([BASE_IMPORTANCE[a] for a in attributes], (n, 1)) + scale_use
    top_idx = np.array([attributes.index(a) for a in top_attribute])[seg]
    # A segment's top attribute rises above the most important attribute overall.
    importance_means[np.arange(n), top_idx] = max(BASE_IMPORTANCE.values()) + TOP_LIFT + scale_use[:, 0]
    importance = _likert(rng, importance_means)
    satisfaction_means = np.tile([BASE_SATISFACTION[a] for a in attributes], (n, 1)) + HALO * halo
    satisfaction_means[:, attributes.index(gap_attribute)] -= rng.uniform(*GAP_DROP)
    satisfaction = _likert(rng, satisfaction_means, sd=0.7)
    nps = np.clip(np.rint(7.0 + 1.6 * halo[:, 0] + rng.normal(0, 1.4, n)), 0, 10)
    # Content the target segment wants to see before buying (the rest answer at random).
    content = np.array(CONTENT_TYPES)[rng.integers(0, len(CONTENT_TYPES), n)]
    if isinstance(target_segment, dict) and target_segment.get("preferred_content") in CONTENT_TYPES:
        in_target = (age == target_segment.get("age_bracket")) & (gender == target_segment.get("gender"))
        content = np.where(in_target & (rng.random(n) < 0.45), target_segment["preferred_content"], content)

    order = rng.permutation(n)
    table = pd.DataFrame(
        {
            "respondent_id": [f"R{k + 1:05d}" for k in range(n)],
            "member_id": pd.Series(member_id[order], dtype="str"),
            "age_bracket": pd.Categorical(age[order], categories=brackets),
            "gender": pd.Categorical(gender[order], categories=SURVEY_GENDERS),
            "city": pd.Categorical(city[order], categories=cities),
            "preferred_category": pd.Categorical(category_choice[order], categories=categories),
            "preferred_channel": pd.Categorical(channel_choice[order], categories=SURVEY_CHANNELS),
            "preferred_content": pd.Categorical(content[order], categories=CONTENT_TYPES),
        }
    )
    for j, attribute in enumerate(attributes):
        table[f"importance_{attribute}"] = importance[order, j]
    for j, attribute in enumerate(attributes):
        table[f"satisfaction_{attribute}"] = satisfaction[order, j]
    table["nps"] = nps[order].astype("int8")
    truth = {
        "segment_preferences": {
            "by": "age_bracket",
            "segments": {
                bracket: {
                    "preferred_category": preferred_category[i],
                    "preferred_channel": preferred_channel[i],
                    "top_importance": top_attribute[i],
                }
                for i, bracket in enumerate(brackets)
            },
        },
        "satisfaction_gap_attribute": gap_attribute,
        "satisfaction_gap_how": (
            "mean importance minus mean satisfaction per attribute (importance-performance "
            "analysis): the largest gap; the attribute with the lowest satisfaction "
            "alone is another, unimportant one"
        ),
    }
    return table, truth
