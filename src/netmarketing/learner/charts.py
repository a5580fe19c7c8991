"""Set matplotlib and seaborn up so that charts show Traditional Chinese text.

matplotlib's default font (DejaVu Sans) has no Chinese characters: titles and labels
come out as empty boxes with a "Glyph ... missing from font" warning. `setup_charts`
picks the first installed CJK font from a preference list and tells the learner, in
zh-TW, how to install one when there is none.
"""

from __future__ import annotations

import re
import warnings

# Traditional Chinese fonts first, then fonts that also cover Traditional characters.
PREFERRED_FONTS: tuple[str, ...] = (
    "Noto Sans CJK TC",
    "Noto Sans TC",
    "Microsoft JhengHei",  # Windows: 微軟正黑體
    "PingFang TC",  # macOS: 蘋方
    "Heiti TC",  # older macOS
    "Source Han Sans TC",
    "Source Han Sans TW",
    "Noto Sans CJK HK",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing TW",
    "Microsoft YaHei",
    "SimHei",
    "Arial Unicode MS",
)

# File names of CJK fonts, used to find fonts installed after matplotlib cached its font list.
_CJK_FILE_RE = re.compile(
    r"cjk|notosanstc|jhenghei|msjh|pingfang|heiti|sourcehansans|wqy|uming|msyh|simhei", re.I
)

INSTALL_ADVICE = """\
找不到中文字型 (CJK font)，圖表中的中文會顯示成方塊。請安裝一種中文字型後，重新啟動核心 (Restart Kernel)：
  • Windows：系統已內建「微軟正黑體」(Microsoft JhengHei)；若仍找不到，請到「設定 > 時間與語言 > 語言」加入「中文（台灣）」。
  • macOS：系統已內建「蘋方-繁」(PingFang TC)；若仍找不到，請用「字體簿」(Font Book) 安裝或啟用它。
  • Linux（Debian/Ubuntu）：sudo apt-get install fonts-noto-cjk
    （Fedora：sudo dnf install google-noto-sans-cjk-fonts）
安裝後請刪除 matplotlib 的字型快取資料夾 (font cache，例如 ~/.cache/matplotlib)，再執行 setup_charts()。
(No CJK font found: Chinese text in charts will show as boxes. Install Noto Sans CJK TC,
Microsoft JhengHei or PingFang TC, clear matplotlib's font cache and restart the kernel.)"""


class MissingCJKFontWarning(UserWarning):
    """No CJK font is installed, so Chinese text in charts cannot be drawn."""


def _installed_font_names() -> set[str]:
    from matplotlib import font_manager

    return {font.name for font in font_manager.fontManager.ttflist}


def _register_system_cjk_fonts() -> None:
    """Add CJK font files that matplotlib's cached font list does not know yet (installed later)."""
    from matplotlib import font_manager

    known = {font.fname for font in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known and _CJK_FILE_RE.search(path.replace("-", "").replace("_", "")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # an unreadable font file is no reason to stop


def find_cjk_font(preferred: tuple[str, ...] = PREFERRED_FONTS) -> str:
    """Return the first installed font of ``preferred``, or ``""`` when none is installed."""
    installed = _installed_font_names()
    found = next((name for name in preferred if name in installed), "")
    if not found:
        _register_system_cjk_fonts()
        installed = _installed_font_names()
        found = next((name for name in preferred if name in installed), "")
    return found


def setup_charts(style: str = "whitegrid") -> str:
    """Configure matplotlib and seaborn to draw Traditional Chinese text.

    Sets the seaborn theme, puts the first available CJK font first in
    ``font.sans-serif`` and draws minus signs as ASCII hyphens (``axes.unicode_minus``).

    Parameters
    ----------
    style : str
        The seaborn style, ``"whitegrid"`` by default.

    Returns
    -------
    str
        The name of the chosen font, or ``""`` when no CJK font is installed; then a
        `MissingCJKFontWarning` tells the learner in zh-TW how to install one.

    Examples
    --------
    >>> font = setup_charts()  # doctest: +SKIP
    >>> font  # doctest: +SKIP
    'Noto Sans CJK TC'
    """
    import matplotlib as mpl
    import seaborn as sns  # imported here: seaborn is slow to import and not every notebook draws

    font = find_cjk_font()
    fallback = [name for name in mpl.rcParamsDefault["font.sans-serif"] if name != font]
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": [font, *fallback] if font else fallback,
        "axes.unicode_minus": False,
    }
    sns.set_theme(style=style, rc=rc)
    if not font:
        warnings.warn(INSTALL_ADVICE, MissingCJKFontWarning, stacklevel=2)
    return font
