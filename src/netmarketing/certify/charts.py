"""Charts for the certification reports, returned as inline SVG text.

SVG text is kept as text (``svg.fonttype = "none"``), so the browser draws the
Chinese labels with its own fonts and the chart prints sharply to PDF. Every chart is an
image to assistive technology (``role="img"``) with a ``<title>`` and a ``<desc>`` that
give its numbers in words: a screen reader reads the chart, not its scattered labels.
"""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")  # reports are written headless, e.g. in CI

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

#: Bar colours; the same green and orange as the reports' badges (white text on them passes WCAG AA).
STATUS_COLOURS = {"met": "#2e7d32", "not_met": "#bf360c", "pending": "#9e9e9e"}
STATUS_WORDS = {"met": "達標", "not_met": "未達標", "pending": "證據不足"}
_CHARTS_READY: list[bool] = []


def _setup() -> None:
    if _CHARTS_READY:
        return
    try:
        # Only the font lookup: setup_charts would also import seaborn (slow, not needed here).
        from netmarketing.learner.charts import find_cjk_font

        font = find_cjk_font()
        if font:
            plt.rcParams["font.sans-serif"] = [font, *plt.rcParams["font.sans-serif"]]
            plt.rcParams["axes.unicode_minus"] = False
    except Exception:  # the learner room may be absent; the browser draws SVG text anyway
        pass
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["svg.hashsalt"] = "netmarketing"  # same chart -> same SVG
    _CHARTS_READY.append(True)


def _to_svg(fig: plt.Figure, *, chart_id: str, title: str, description: str) -> str:
    """Return ``fig`` as inline SVG text, an image named ``title`` and described by ``description``."""
    buffer = io.StringIO()
    # No bbox_inches="tight": it draws the figure twice; the margins are set by hand instead.
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog so it can sit inside HTML
    head_end = text.index(">") + 1
    label = (
        f'<svg role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        + text[len("<svg") : head_end]
        + f'\n <title id="{chart_id}-title">{html.escape(title)}</title>'
        + f'\n <desc id="{chart_id}-desc">{html.escape(description)}</desc>'
    )
    return label + text[head_end:]


def indicator_chart(indicators: pd.DataFrame) -> str:
    """Return an SVG bar chart of one learner's indicator percents with their thresholds.

    Parameters
    ----------
    indicators : DataFrame
        code, percent, threshold, status (one row per indicator).
    """
    _setup()
    table = indicators.iloc[::-1]  # first indicator on top
    height = 0.32 * len(table) + 1.2
    fig, ax = plt.subplots(figsize=(7.5, height))
    fig.subplots_adjust(left=0.1, right=0.98, top=1 - 0.15 / height, bottom=0.75 / height)
    values = table["percent"].fillna(0).to_numpy()
    colours = [STATUS_COLOURS.get(s, "#9e9e9e") for s in table["status"]]
    hatches = ["//" if s == "pending" else "" for s in table["status"]]
    bars = ax.barh(table["code"], values, color=colours, edgecolor="white")
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    ys = np.arange(len(table))
    ax.scatter(table["threshold"], ys, marker="|", s=260, color="black", zorder=3, label="門檻 (threshold)")
    for y, value, status in zip(ys, table["percent"], table["status"], strict=True):
        label = "證據不足" if status == "pending" and pd.isna(value) else f"{value:.0f}%"
        ax.text(min((0 if pd.isna(value) else value) + 1.5, 101), y, label, va="center", fontsize=8)
    ax.set_xlim(0, 112)
    ax.set_xlabel("得分 (%)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="y", visible=False)
    words = [
        f"{row.code} {'無分數' if pd.isna(row.percent) else f'{row.percent:.0f}%'}"
        f"（門檻 {row.threshold:g}%，{STATUS_WORDS.get(row.status, row.status)}）"
        for row in indicators.itertuples()
    ]
    return _to_svg(
        fig,
        chart_id="indicator-chart",
        title=f"{len(indicators)} 項行為指標的得分與門檻（長條圖）",
        description="；".join(words),
    )


def heatmap(wide: pd.DataFrame) -> str:
    """Return an SVG heat map of learners (rows) x indicators (columns) in percent."""
    _setup()
    values = wide.to_numpy(dtype=float)
    width, height = 0.5 * wide.shape[1] + 3.0, 0.32 * wide.shape[0] + 1.6
    fig, ax = plt.subplots(figsize=(width, height))
    label_width = 0.12 + 0.09 * max((len(str(i)) for i in wide.index), default=4)  # inches per character
    fig.subplots_adjust(left=label_width / width, right=0.9, top=1 - 0.15 / height, bottom=0.9 / height)
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), wide.columns, rotation=90, fontsize=8)
    ax.set_yticks(range(wide.shape[0]), wide.index, fontsize=8)
    for (i, j), value in np.ndenumerate(values):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=6)
    ax.grid(False)
    fig.colorbar(image, ax=ax, fraction=0.03, label="得分 (%)；灰色 = 無證據")
    rows = []
    for learner, scores in wide.iterrows():
        known = scores.dropna()
        low = ", ".join(str(code) for code, value in known.items() if value < 60) or "無"
        mean = f"平均 {known.mean():.0f}%" if len(known) else "尚無證據"
        rows.append(f"{learner}：{mean}，低於 60% 的指標：{low}")
    return _to_svg(
        fig,
        chart_id="heatmap",
        title=f"{wide.shape[0]} 位學員 × {wide.shape[1]} 項行為指標的得分熱圖",
        description="；".join(rows) + "。每一格的數字見 indicator_scores.csv。",
    )
