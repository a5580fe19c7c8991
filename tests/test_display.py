"""Do learners' tables show numbers the way a report does (NT$, percentages, no NaN or 0.000)?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netmarketing import learner
from netmarketing.learner import display


def test_money_is_whole_new_taiwan_dollars_with_separators():
    """Is money NT$ with thousands separators, rounded half up to the dollar, and missing as —?"""
    assert learner.money(1234567) == "NT$1,234,567"
    assert learner.money(1995.5) == "NT$1,996"
    assert learner.money(1995.49) == "NT$1,995"
    assert learner.money(-2500.5) == "-NT$2,501"
    assert learner.money(np.int64(12)) == "NT$12"
    assert learner.money(float("nan")) == display.MISSING
    assert learner.money(pd.NA) == display.MISSING


@pytest.mark.parametrize(
    ("fraction", "shown"),
    [
        (0.1234, "12.3%"),
        (1.0, "100.0%"),
        (0.0004, "0.040%"),
        (0.000012, "0.0012%"),
        (-0.05, "-5.0%"),
        (0, "0.0%"),
    ],
)
def test_percent_keeps_small_shares_readable(fraction, shown):
    """Does a share read as a percentage with one decimal, or enough decimals that a small one is not 0.0%?"""
    assert learner.percent(fraction) == shown


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("revenue", "money"),
        ("item_revenue", "money"),
        ("avg_price", "money"),
        ("cost_per_conv", "money"),
        ("conv_value", "money"),
        ("營收", "money"),
        ("market_share", "percent"),
        ("conv_rate", "percent"),
        ("ctr", "percent"),
        ("growth", "percent"),
        ("proportion", "percent"),
        ("revenue_share", "percent"),
        ("市占率", "percent"),
        ("營收占比", "percent"),
        ("share_pct", "percent_points"),
        ("conv_value_per_cost", "ratio"),
        ("purchase_roas", "ratio"),
        ("year", "label"),
        ("member_id", "label"),
        ("quantity", "number"),
        ("count", "number"),
        (("revenue", "website"), "money"),
    ],
)
def test_column_kind_follows_the_data_dictionary_names(name, kind):
    """Is each column shown by what its name means (money, share, ratio, label or plain number)?"""
    assert display.column_kind(name) == kind


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "platform": pd.Series(["website", None, "momo"], dtype="string"),
            "revenue": [1995.0, 12_345_678.0, np.nan],
            "market_share": [0.0004, 0.35, np.nan],
            "year": [2024, 2025, 2026],
            "orders": pd.array([12_000, None, 3], dtype="Int64"),
            "consent": pd.array([True, None, False], dtype="boolean"),
            "note": pd.Series(["a", None, "c"], dtype=object),
            "avg_items": [1.5, 2.25, None],
            "day": pd.to_datetime(["2024-01-01", None, "2024-02-01"]),
        }
    )


@pytest.mark.parametrize("as_html", [False, True])
def test_tables_show_money_shares_and_no_nan(as_html):
    """Does a table show NT$, percentages and — for every kind of missing value, never NaN, <NA> or 0.000?"""
    shown = display._render(frame(), as_html=as_html)
    for text in ["NT$1,995", "NT$12,345,678", "0.040%", "35.0%", "2024", "12,000", "1.50", "2.25"]:
        assert text in shown, text
    for bad in ["NaN", "<NA>", "&lt;NA&gt;", "NaT", "None", "0.000", "1,995.0", "2,024"]:
        assert bad not in shown, bad
    assert shown.count(display.MISSING) == 8  # one missing value in each of eight columns


def test_a_fraction_under_a_money_name_is_not_shown_as_zero_dollars():
    """Is revenue / total (a share that kept the name revenue) shown as a number, not NT$0?"""
    share = pd.Series([0.62, 0.38], index=["website", "app"], name="revenue")
    shown = display._render(share, as_html=False)
    assert "NT$" not in shown and "0.62" in shown


def test_describe_is_not_shown_as_money():
    """Does describe() of a revenue column show its count as a count, not NT$?"""
    shown = display._render(pd.DataFrame({"revenue": [100, 200, 300]}).describe(), as_html=False)
    assert "NT$" not in shown and "3" in shown


def test_a_long_table_shows_head_tail_and_its_size():
    """Is a long table cut to its head and tail like pandas does, saying how many rows it has?"""
    long = pd.DataFrame({"revenue": np.arange(100_000) * 2})
    shown = display._render(long, as_html=False)
    assert "NT$0" in shown and "NT$199,998" in shown and "NT$100,000" not in shown
    assert "100,000 列" in shown and "..." in shown
    assert len(shown.splitlines()) < 20


def test_setup_display_changes_what_a_kernel_shows_not_the_values():
    """After setup_display(), does IPython show formatted tables while the values stay unchanged?"""
    from IPython.core.formatters import DisplayFormatter

    class Shell:
        display_formatter = DisplayFormatter()

    shell = Shell()
    table = frame()
    before = shell.display_formatter.format(table)[0]
    assert "NaN" in before["text/plain"] or "<NA>" in before["text/plain"]
    import IPython

    original = IPython.get_ipython
    IPython.get_ipython = lambda: shell
    try:
        summary = learner.setup_display(percent_columns=["觸及"])
    finally:
        IPython.get_ipython = original
    after = shell.display_formatter.format(table)[0]
    assert "NT$12,345,678" in after["text/plain"] and "35.0%" in after["text/html"]
    assert "NaN" not in after["text/html"] and "<NA>" not in after["text/plain"]
    assert table["revenue"].iloc[1] == 12_345_678.0  # shown differently, kept the same
    assert "NT$1,234,567" in summary and "—" in summary
    reach = shell.display_formatter.format(pd.Series([0.25], name="觸及"))[0]
    assert "25.0%" in reach["text/plain"]
