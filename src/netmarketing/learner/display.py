"""Numbers people read: how tables and series look in the learner's notebooks.

pandas shows every float the same way, so a market share of 0.0004 reads ``0.000`` and an
amount ``1,995.000`` under a global ``display.float_format``. :func:`setup_display`, called
once in each notebook's set-up cell, makes JupyterLab show tables the way a marketing report
does, column by column, from the column's name:

- money (``revenue``, ``price``, ``cost``, ``budget``, 營收, 金額 …) as ``NT$1,234,567``, no decimals;
- shares and rates (``market_share``, ``conv_rate``, ``ctr``, ``growth``, 占比, …率) as
  percentages, with enough decimals that a small share never reads ``0.0%``;
- other numbers with thousands separators and only the decimals they need;
- missing values as ``—`` instead of ``NaN``, ``NaT`` or ``<NA>``.

Only what the notebook *shows* changes: the values, ``print()`` and the answers handed in
stay exactly as they are. :func:`money` and :func:`percent` format single numbers the same
way, for f-strings.

Examples
--------
>>> money(1995.4)
'NT$1,995'
>>> percent(0.1234)
'12.3%'
>>> percent(0.00042)
'0.042%'
>>> column_kind("market_share"), column_kind("avg_price"), column_kind("year")
('percent', 'money', 'label')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable
from typing import Any

__all__ = ["MISSING", "column_kind", "money", "number", "percent", "setup_display"]

#: How a missing value is shown.
MISSING = "—"
#: Name words (split on ``_``, spaces and case) that make a column a share or a rate (a fraction shown as %).
PERCENT_WORDS = frozenset(
    {
        "share",
        "rate",
        "ctr",
        "cvr",
        "growth",
        "yoy",
        "mom",
        "margin",
        "proportion",
        "percentage",
        "roi",
        "churn",
        "retention",
        "penetration",
    }
)
#: Name words of a column already in percentage points (35.2 means 35.2%).
PERCENT_POINT_WORDS = frozenset({"pct", "percent"})
#: Name words of an amount of money (NT$).
MONEY_WORDS = frozenset(
    {
        "revenue",
        "price",
        "cost",
        "discount",
        "fee",
        "spend",
        "spent",
        "budget",
        "amount",
        "sales",
        "gmv",
        "aov",
        "cpc",
        "cpa",
        "cpm",
        "income",
        "profit",
        "arpu",
        "ltv",
        "clv",
        "twd",
        "ntd",
    }
)
#: Whole names of money columns whose words alone do not say so.
MONEY_NAMES = frozenset({"conv_value", "purchase_value", "order_value", "lifetime_value", "cost_of_goods"})
#: Ratios that are neither money nor a share (ROAS 3.2 means NT$3.2 back per NT$1).
RATIO_WORDS = frozenset({"roas", "ratio", "elasticity", "index", "lift", "corr", "coef", "slope"})
#: Names that label rather than count: shown as they are (no thousands separator in a year).
LABEL_WORDS = frozenset({"year", "yr", "id", "code", "zip", "postcode", "week", "quarter"})
#: zh-TW fragments, checked in this order: ratio, percent, money, label.
ZH_RATIO = ("投資報酬率", "ROAS", "彈性", "指數", "相關係數")
ZH_PERCENT = ("占比", "佔比", "比率", "比例", "比重", "市占", "百分比", "率")
ZH_MONEY = (
    "營收",
    "金額",
    "成本",
    "價格",
    "售價",
    "單價",
    "花費",
    "預算",
    "費用",
    "營業額",
    "銷售額",
    "新臺幣",
    "NT$",
)
ZH_LABEL = ("年度", "年份", "代號", "編號", "代碼")

#: Names added by :func:`setup_display` (``money_columns=`` / ``percent_columns=``), by kind.
_EXTRA: dict[str, set[str]] = {"money": set(), "percent": set()}
#: Rows of ``DataFrame.describe()``: a count or a spread is not money or a share.
_DESCRIBE_ROWS = {"count", "mean", "std"}


def _words(name: str) -> set[str]:
    """Split ``conv_value_per_cost`` / ``ConvRate`` / ``market share`` into lower-case words."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return {w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w}


def column_kind(name: Hashable) -> str:
    """Return how a column (or series) named ``name`` is shown: by the meaning its name gives.

    Returns
    -------
    str
        ``"money"`` (NT$), ``"percent"`` (a fraction shown as %), ``"percent_points"``
        (already in %), ``"ratio"`` (a plain ratio such as ROAS), ``"label"`` (a year or a code:
        shown as it is) or ``"number"`` (anything else).
    """
    parts = [str(p) for p in (name if isinstance(name, tuple) else (name,)) if p is not None]
    text = " ".join(parts)
    if text in _EXTRA["money"]:
        return "money"
    if text in _EXTRA["percent"]:
        return "percent"
    words = set().union(*(_words(p) for p in parts)) if parts else set()
    snake = "_".join(parts).lower()
    if words & RATIO_WORDS or snake.endswith("_per_cost") or any(z in text for z in ZH_RATIO):
        return "ratio"
    if words & PERCENT_POINT_WORDS or "百分比" in text:
        return "percent_points"
    if words & PERCENT_WORDS or any(z in text for z in ZH_PERCENT):
        return "percent"
    if words & MONEY_WORDS or snake in MONEY_NAMES or any(z in text for z in ZH_MONEY):
        return "money"
    if words & LABEL_WORDS or any(z in text for z in ZH_LABEL) or text == "年":
        return "label"
    return "number"


def _missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is not one missing value
        return False


def money(value: Any) -> str:
    """Return ``value`` as new Taiwan dollars: ``NT$1,234,567`` (rounded to the dollar), ``—`` if missing."""
    if _missing(value):
        return MISSING
    x = float(value)
    amount = int(math.copysign(math.floor(abs(x) + 0.5), x))  # half a dollar rounds up, as on an invoice
    return f"-NT${-amount:,}" if amount < 0 else f"NT${amount:,}"


def _decimals_for(values: Iterable[float], *, least: int, most: int) -> int:
    """Return the decimals that show the smallest non-zero magnitude with two significant digits."""
    smallest = min((abs(v) for v in values if v and math.isfinite(v)), default=None)
    if smallest is None or smallest >= 10 ** (1 - least):
        return least
    return max(least, min(most, 1 - math.floor(math.log10(smallest))))


def percent(value: Any, decimals: int | None = None) -> str:
    """Return a fraction as a percentage: ``0.1234`` -> ``12.3%``, ``0.00042`` -> ``0.042%``; ``—`` if missing.

    ``decimals`` defaults to one, or more for a share so small that one decimal would read 0.0%.
    """
    if _missing(value):
        return MISSING
    points = float(value) * 100
    if decimals is None:
        decimals = _decimals_for([points], least=1, most=4)
    return f"{points:,.{decimals}f}%"


def number(value: Any, decimals: int | None = None) -> str:
    """Return a number with thousands separators and only the decimals it needs; ``—`` if missing."""
    if _missing(value):
        return MISSING
    x = float(value)
    if decimals is None:
        decimals = 0 if x.is_integer() else _decimals_for([x], least=2, most=6)
    return f"{x:,.{decimals}f}"


# -- per column ------------------------------------------------------------------------------------
def _numeric(values: Any) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype)


def _column_formatter(name: Hashable, values: Any) -> Callable[[Any], str] | None:
    """Return the formatter of one column (a pandas Series), or None to keep pandas' own display."""
    if not _numeric(values):
        if getattr(values.dtype, "na_value", None) is not None and values.hasnans:
            return lambda v: MISSING if _missing(v) else str(v)  # <NA> in nullable columns
        return None
    finite = [float(v) for v in values.dropna().to_numpy(dtype=float, na_value=math.nan) if math.isfinite(v)]
    kind = column_kind(name)
    if kind == "money" and finite and max(abs(v) for v in finite) < 1:
        kind = "number"  # a fraction under a money name (e.g. revenue / total) is not money
    if kind == "money":
        return money
    if kind == "percent":
        return percent
    if kind == "percent_points":
        return lambda v: MISSING if _missing(v) else percent(float(v) / 100)
    if kind == "label":
        return lambda v: MISSING if _missing(v) else (f"{v:g}" if isinstance(v, float) else str(v))
    whole = all(v.is_integer() for v in finite)
    digits = 0 if whole else _decimals_for(finite, least=2, most=6)
    return lambda v: number(v, digits)


def _formatters(frame: Any) -> dict[Hashable, Callable[[Any], str]]:
    described = _DESCRIBE_ROWS <= {str(i) for i in frame.index[:8]}
    found = {}
    for position, name in enumerate(frame.columns):
        formatter = _column_formatter("" if described else name, frame.iloc[:, position])
        if formatter is not None:
            found[name] = formatter
    return found


def _shown_rows(n_rows: int) -> int | None:
    """Return how many rows pandas itself would show of a table with ``n_rows`` rows."""
    import pandas as pd

    max_rows, min_rows = pd.get_option("display.max_rows"), pd.get_option("display.min_rows")
    if max_rows is None or n_rows <= max_rows:
        return max_rows
    return min_rows or max_rows


def _view(frame: Any, shown: int | None) -> Any:
    """Return the rows pandas will show (head and tail), with every kind of missing value as NaN.

    pandas prints ``<NA>`` and ``None`` whatever ``na_rep`` says; NaN takes ``na_rep``. Only the
    shown rows are converted, so a table of a million rows costs no more than a short one.
    """
    import numpy as np
    from pandas.api.types import is_object_dtype

    if shown is not None and len(frame) > 2 * shown:
        frame = frame.iloc[np.r_[0:shown, len(frame) - shown : len(frame)]]
    view = frame.copy()
    for position in range(view.shape[1]):
        column = view.iloc[:, position]
        holds_na = is_object_dtype(column.dtype) or getattr(column.dtype, "na_value", None) is not None
        if holds_na and column.isna().any() and not hasattr(column, "cat"):
            if _numeric(column):  # Int64, Float64: numbers with NaN, still formatted as numbers
                view.isetitem(position, column.astype("float64"))
            else:
                view.isetitem(position, column.astype(object).where(column.notna(), np.nan))
    return view


def _render(obj: Any, as_html: bool) -> str:
    """Return a DataFrame or Series as HTML or text, formatted column by column."""
    import pandas as pd

    frame = obj.to_frame(name="" if obj.name is None else obj.name) if isinstance(obj, pd.Series) else obj
    shown = _shown_rows(len(frame))
    view = _view(frame, shown)
    options = {
        "formatters": _formatters(view) if not view.columns.has_duplicates else None,
        "na_rep": MISSING,
        "max_rows": shown,
        "max_cols": pd.get_option("display.max_columns"),
    }
    truncated = shown is not None and len(frame) > shown
    wide = options["max_cols"] and frame.shape[1] > options["max_cols"]
    footer = truncated or wide or pd.get_option("display.show_dimensions") is True
    rows, cols = frame.shape
    if as_html:
        body = view.to_html(notebook=True, **options)
        return body + (f"\n<p>{rows:,} 列 × {cols:,} 欄 ({rows} rows × {cols} columns)</p>" if footer else "")
    body = view.to_string(**options)
    return body + (f"\n\n[{rows:,} 列 × {cols:,} 欄 ({rows} rows x {cols} columns)]" if footer else "")


def _html(obj: Any) -> str:
    return _render(obj, as_html=True)


def _pretty(obj: Any, printer: Any, cycle: bool) -> None:
    printer.text(_render(obj, as_html=False))


def setup_display(*, money_columns: Iterable[str] = (), percent_columns: Iterable[str] = ()) -> str:
    """Show tables in this notebook as a report does (NT$, %, ``—`` for missing values); return a zh-TW summary.

    Call it once in the set-up cell. It changes how pandas tables and series are *shown*
    in JupyterLab; the values and ``print()`` are untouched. Outside IPython it does nothing
    but return the summary.

    Parameters
    ----------
    money_columns, percent_columns : iterable of str, optional
        Further column names to show as NT$ or as a percentage, for names that do not say it
        (e.g. ``percent_columns=["觸及"]``).

    Returns
    -------
    str
        The conventions, to print for the learner.
    """
    _EXTRA["money"].update(str(n) for n in money_columns)
    _EXTRA["percent"].update(str(n) for n in percent_columns)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        shell = None
    else:
        shell = get_ipython()
    if shell is not None:
        import pandas as pd

        formatters = shell.display_formatter.formatters
        for kind in (pd.DataFrame, pd.Series):
            formatters["text/html"].for_type(kind, _html)
            formatters["text/plain"].for_type(kind, _pretty)
    return f"金額 {money(1234567)}；占比與比率 {percent(0.123)}；缺值 {MISSING}"
