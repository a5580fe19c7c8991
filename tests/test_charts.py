"""Tests of the Chinese chart set-up (netmarketing.learner.charts)."""

from __future__ import annotations

import logging
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib import font_manager

from netmarketing.learner import charts

TITLE = "各通路營收比較（新臺幣）"
X_LABEL = "行銷通路"
Y_LABEL = "營收（元）"
CATEGORIES = ["自然搜尋", "付費搜尋", "社群媒體", "電子郵件", "直接流量", "蝦皮購物"]


@pytest.fixture(autouse=True)
def restore_rc():
    """Keep each test's rcParams changes (fonts, theme) from leaking into other tests."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


def _render(path) -> None:
    import seaborn as sns

    frame = pd.DataFrame(
        {"channel": CATEGORIES, "revenue": [120_000, -35_000, 88_000, 41_000, 60_000, 97_000]}
    )
    fig, ax = plt.subplots(figsize=(6, 4))
    sns.barplot(data=frame, x="channel", y="revenue", ax=ax)
    ax.set_title(TITLE)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(Y_LABEL)
    fig.savefig(path, dpi=60)


def test_chinese_chart_has_no_missing_glyph(tmp_path, caplog):
    """Does a seaborn bar chart with a Chinese title, labels and categories render with no missing glyph?"""
    font = charts.setup_charts()
    assert font, "no CJK font found: install one (Debian: apt-get install fonts-noto-cjk)"
    with (
        warnings.catch_warnings(record=True) as caught,
        caplog.at_level(logging.WARNING, logger="matplotlib"),
    ):
        warnings.simplefilter("always")
        _render(tmp_path / "chart.png")
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "missing from font" in m or "Glyph" in m], messages
    assert (tmp_path / "chart.png").stat().st_size > 1000


def test_chosen_font_covers_chinese():
    """Is the chosen font one that really has glyphs for the Chinese text, and is it used for sans-serif?"""
    font = charts.setup_charts()
    assert matplotlib.rcParams["font.sans-serif"][0] == font
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    path = font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
    ft_font = font_manager.get_font(path)
    text = TITLE + X_LABEL + Y_LABEL + "".join(CATEGORIES)
    missing = [char for char in text if ft_font.get_char_index(ord(char)) == 0]
    assert not missing, f"{font} ({path}) lacks {missing}"


def test_default_font_would_miss_glyphs(tmp_path):
    """Does the same chart warn about missing glyphs without setup_charts (so the check above can fail)?"""
    matplotlib.rcParams.update({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _render(tmp_path / "chart.png")
    assert any("missing from font" in str(w.message) for w in caught)


def test_no_cjk_font_gives_zh_tw_advice(monkeypatch):
    """With no CJK font installed, does setup_charts return "" and tell the learner in zh-TW how to install one?"""
    monkeypatch.setattr(charts, "_installed_font_names", lambda: {"DejaVu Sans"})
    monkeypatch.setattr(charts, "_register_system_cjk_fonts", lambda: None)
    with pytest.warns(charts.MissingCJKFontWarning) as record:
        font = charts.setup_charts()
    assert font == ""
    advice = str(record[0].message)
    assert advice.startswith("找不到中文字型")
    for hint in ("Windows", "微軟正黑體", "macOS", "PingFang TC", "Linux", "apt-get install fonts-noto-cjk"):
        assert hint in advice


def test_preference_order(monkeypatch):
    """Does setup_charts take the first preferred font that is installed (JhengHei before a JP font)?"""
    monkeypatch.setattr(
        charts, "_installed_font_names", lambda: {"DejaVu Sans", "Noto Sans CJK JP", "Microsoft JhengHei"}
    )
    assert charts.find_cjk_font() == "Microsoft JhengHei"


def test_import_does_not_import_seaborn():
    """Does importing the charts module leave seaborn unimported (notebooks start faster)?"""
    import subprocess
    import sys

    # Load the module file alone: the learner package's door is another module's business.
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('charts', sys.argv[1])\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print('seaborn' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, charts.__file__], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_font_installed_after_cache_is_found(monkeypatch):
    """Is a CJK font installed after matplotlib cached its font list still found (no cache clearing needed)?"""
    without_cjk = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    if len(without_cjk) == len(font_manager.fontManager.ttflist):
        pytest.skip("no Noto CJK font on this machine to hide from the cache")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without_cjk)
    assert charts.find_cjk_font().startswith("Noto Sans CJK")
