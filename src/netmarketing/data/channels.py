"""GA4 default channel grouping (session scope), vectorised over pandas Series.

Implements the rule table of Google's default channel group, first matching
rule wins, case-insensitive, with Google's source categories shipped in
``ga4_source_categories.csv``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

CHANNEL_GROUPS = [
    "Direct",
    "Cross-network",
    "Paid Shopping",
    "Paid Search",
    "Paid Social",
    "Paid Video",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Organic Search",
    "Referral",
    "Email",
    "Affiliates",
    "Audio",
    "SMS",
    "Mobile Push",
    "Unassigned",
]
CHANNEL_DTYPE = pd.CategoricalDtype(CHANNEL_GROUPS)

PAID_MEDIUM = r"^(.*cp.*|ppc|retargeting|paid.*)$"
SHOPPING_CAMPAIGN = r"^(.*(([^a-df-z]|^)shop|shopping).*)$"
SOCIAL_MEDIA = {"social", "social-network", "social-media", "sm", "social network", "social media"}
DISPLAY_MEDIA = {"display", "banner", "expandable", "interstitial", "cpm"}
EMAIL_PATTERN = r"email|e-mail|e_mail|e mail"


@cache
def source_categories() -> dict[str, frozenset[str]]:
    """Return Google's source lists: {"SEARCH": {...}, "SOCIAL": ..., "VIDEO": ..., "SHOPPING": ...}, lower-cased."""
    path = resources.files("netmarketing.data") / "ga4_source_categories.csv"
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str)
    table["source"] = table["source"].str.lower()
    return {
        kind: frozenset(table.loc[table["source_category"] == f"SOURCE_CATEGORY_{kind}", "source"])
        for kind in ("SEARCH", "SOCIAL", "VIDEO", "SHOPPING")
    }


def default_channel_group(source: pd.Series, medium: pd.Series, campaign: pd.Series) -> pd.Series:
    """Assign GA4's default channel group to each (source, medium, campaign) triple.

    Parameters
    ----------
    source, medium, campaign : aligned Series (missing values count as empty strings).

    Returns
    -------
    Categorical Series of channel group names, same index as ``source``.
    """
    index = source.index

    # Work on the distinct triples only: the export has millions of rows but few combinations.
    def clean(values: pd.Series) -> pd.Series:
        return pd.Series(values, index=index).astype("object").fillna("").astype(str).str.lower()

    key = clean(source) + "\x1f" + clean(medium) + "\x1f" + clean(campaign)
    codes, uniques = pd.factorize(key.to_numpy(dtype=object))
    parts = pd.Series(uniques, dtype=object).str.split("\x1f", expand=True, regex=False)
    s, m, c = (parts[i].astype(str) for i in range(3))
    lists = source_categories()
    in_search, in_social = s.isin(lists["SEARCH"]), s.isin(lists["SOCIAL"])
    in_video, in_shopping = s.isin(lists["VIDEO"]), s.isin(lists["SHOPPING"])
    paid = m.str.match(PAID_MEDIUM)
    shop_campaign = c.str.match(SHOPPING_CAMPAIGN)
    rules = [
        ("Direct", (s == "(direct)") & m.isin(["(not set)", "(none)"])),
        ("Cross-network", c.str.contains("cross-network", regex=False)),
        ("Paid Shopping", (in_shopping | shop_campaign) & paid),
        ("Paid Search", in_search & paid),
        ("Paid Social", in_social & paid),
        ("Paid Video", in_video & paid),
        ("Display", m.isin(DISPLAY_MEDIA)),
        ("Paid Other", paid),
        ("Organic Shopping", in_shopping | shop_campaign),
        ("Organic Social", in_social | m.isin(SOCIAL_MEDIA)),
        ("Organic Video", in_video | m.str.contains("video", regex=False)),
        ("Organic Search", in_search | (m == "organic")),
        ("Referral", m.isin(["referral", "app", "link"])),
        ("Email", s.str.contains(EMAIL_PATTERN) | m.str.contains(EMAIL_PATTERN)),
        ("Affiliates", m == "affiliate"),
        ("Audio", m == "audio"),
        ("SMS", (s == "sms") | (m == "sms")),
        (
            "Mobile Push",
            m.str.endswith("push")
            | m.str.contains("mobile", regex=False)
            | m.str.contains("notification", regex=False)
            | (s == "firebase"),
        ),
    ]
    conditions = [cond.to_numpy(dtype=bool) for _, cond in rules]
    labels = np.select(conditions, [name for name, _ in rules], default="Unassigned")
    return pd.Series(pd.Categorical(labels[codes], dtype=CHANNEL_DTYPE), index=index, name="channel")
