"""A learner's first hours in module 00, as a real browser shows them (`netmarketing lab --learner ID`).

One lab, started as learner ``fh-learner`` on a workspace without a course secret (self-study
data, as on a laptop), serves the tests below, which follow the order a new learner works in:
open the first notebook, run the set-up cell, "run all", answer, read the self-checks, save,
press 檢查 (Validate), then the second notebook's tables. The ``page`` fixture keeps a
screenshot of whatever a failing test saw in ``test-artifacts/``.
"""

from __future__ import annotations

import colorsys
import io
import os
import re
import time
from pathlib import Path

import pytest
from conftest import running_lab
from test_lab_zh_tw import ENGLISH, MENU_BAR
from test_lab_zh_tw import open_notebook as open_in_lab

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LEARNER = "fh-learner"
O1 = "00_orientation/o1_getting_started.ipynb"
O2 = "00_orientation/o2_pandas_for_marketers.ipynb"
#: What a learner must never read in a table.
UNREADABLE = re.compile(r"\bNaN\b|<NA>|\bNaT\b|\b0\.000\b|\d\.\d{3}\b")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start `netmarketing lab --learner fh-learner` on a fresh workspace; yield its base URL and workspace."""
    workspace = tmp_path_factory.mktemp("first-hours") / "autograder"
    workspace.mkdir()
    env = {**os.environ, "NETMARKETING_SCALE": "0.2"}  # small self-study tables: Validate allows 30 s a cell
    env.pop("NETMARKETING_LEARNER", None)
    env.pop("JUPYTERHUB_USER", None)
    with running_lab(workspace, "--learner", LEARNER, "--course", str(REPO / "course"), env=env) as base:
        yield base, workspace


# -- driving the lab ---------------------------------------------------------------------------------
def open_notebook(page, base: str, path: str) -> None:
    """Open ``path`` and wait for its kernel.

    Opened right after the server started, JupyterLab may not know the kernels yet and asks which
    one to start (「選擇核心」); a learner then presses 「選擇」, and so does this helper.
    """
    open_in_lab(page, base, path)
    ask = page.locator(".jp-Dialog", has_text="選擇核心")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if ask.count():
            ask.locator(".jp-mod-accept").click()
            break
        if page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
            break
        time.sleep(0.5)
    wait_idle(page)


def wait_idle(page) -> None:
    """Wait until the notebook's kernel has finished what it was asked to run."""
    time.sleep(1)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=240_000)


def run_all(page) -> None:
    """執行 → 執行所有儲存格, then wait for the kernel."""
    wait_idle(page)
    page.locator(".lm-MenuBar-itemLabel").filter(has_text=re.compile("^執行$")).click()
    page.locator(".lm-Menu [data-command='runmenu:run-all']").click()
    wait_idle(page)


def code_cell(page, text: str):
    """Return the code cell whose source contains ``text``."""
    return page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=text)).first


def output_of(cell, *, shows_something: bool = True) -> str:
    """Return what a cell shows under it (scrolled into view: JupyterLab renders only what is near)."""
    cell.scroll_into_view_if_needed()
    if shows_something:
        # Run-all may still be on its way to this cell (a loaded machine reports "idle" between
        # cells): wait until the cell has run ([n], not [*] or blank) and shows some text.
        cell.page.wait_for_function(
            "([prompt, area]) => /\\[\\d+\\]/.test(prompt.innerText) && area.innerText.trim() !== ''",
            arg=[
                cell.locator(".jp-InputPrompt").element_handle(),
                cell.locator(".jp-OutputArea").element_handle(),
            ],
            timeout=120_000,
        )
    return cell.locator(".jp-OutputArea").inner_text()


def answer(page, marker: str, source: str) -> None:
    """Replace the source of the answer cell holding ``marker`` by ``source``, as a learner types it."""
    cell = code_cell(page, marker)
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def validate(page) -> str:
    """Press 檢查 (Validate) on the toolbar and return the text of its result dialog."""
    page.locator(".jp-NotebookPanel-toolbar .validate-button:visible").click()
    page.wait_for_function(
        "() => { const d = document.querySelector('.nbgrader-ErrorDialog');"
        " return d && d.innerText.includes('檢查結果'); }",
        timeout=240_000,
    )
    text = page.locator(".nbgrader-ErrorDialog").inner_text()
    page.keyboard.press("Escape")
    return text


# -- glyphs on the screen -----------------------------------------------------------------------------
_CHAR_BOX = """(el, ch) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.data.indexOf(ch);
    if (i >= 0) {
      const range = document.createRange();
      range.setStart(n, i);
      range.setEnd(n, i + ch.length);
      const b = range.getBoundingClientRect();
      return {x: b.x, y: b.y, width: b.width, height: b.height};
    }
  }
  return null;
}"""


def glyph_colours(page, element, char: str) -> dict[str, float]:
    """Screenshot the first ``char`` inside ``element`` and return the share of its pixels that are vividly green or red.

    A colour emoji (✅ a green square, ❌ a red cross) is drawn in its own colours; the missing-glyph
    box, or a plain text glyph, is drawn in the text colour (near black here) and has none.
    """
    from PIL import Image

    element.scroll_into_view_if_needed()
    box = element.evaluate(_CHAR_BOX, char)
    assert box and box["width"] > 0, f"{char!r} is not on the page"
    shot = Image.open(io.BytesIO(page.screenshot(clip=box))).convert("RGB")
    width, height = shot.size
    hues = []
    for x in range(width):
        for y in range(height):
            hue, saturation, value = colorsys.rgb_to_hsv(*(c / 255 for c in shot.getpixel((x, y))))
            if (
                saturation > 0.35 and value > 0.3
            ):  # vivid; text, grey boxes and the pale error background are not
                hues.append(hue * 360)
    green = sum(1 for h in hues if 70 <= h <= 170)
    red = sum(1 for h in hues if h <= 20 or h >= 340)
    return {"green": green / (width * height), "red": red / (width * height)}


# -- the first hours ---------------------------------------------------------------------------------
def test_first_notebook_opens_unchanged_in_zh_tw(lab, page):
    """Does 0-1 open with the zh-TW menu bar, and stay unchanged (no save prompt) when only opened?"""
    base, _ = lab
    open_notebook(page, base, O1)
    assert page.locator(".lm-MenuBar-itemLabel").all_inner_texts() == MENU_BAR
    wait_idle(page)
    time.sleep(3)  # the kernel has reported its language; nothing else should touch the notebook
    tab = page.locator(".lm-TabBar-tab", has_text="o1_getting_started.ipynb")
    assert "jp-mod-dirty" not in (tab.get_attribute("class") or "")


def test_set_up_cell_shows_the_learner_id_and_self_study_mode(lab, page):
    """Does the first code cell show the learner id, say self-study mode, and how numbers will read?"""
    base, _ = lab
    open_notebook(page, base, O1)
    setup = code_cell(page, "learner.whoami()")
    setup.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_idle(page)
    shown = output_of(setup)
    assert f"學員代號 (learner id)：{LEARNER}" in shown
    assert "資料版本 (data variant)：self-study" in shown and "自學模式" in shown
    assert "NT$1,234,567" in shown and "12.3%" in shown


def test_run_all_stops_at_the_first_unanswered_exercise_in_zh_tw(lab, page):
    """Does 「執行所有儲存格」 stop at exercise 1 with one zh-TW sentence naming it, not an English traceback?"""
    base, _ = lab
    open_notebook(page, base, O1)
    run_all(page)
    shown = output_of(code_cell(page, "練習 1（0-1）作答區"))
    assert "練習 1（0-1）還沒作答" in shown
    assert "Traceback" not in shown and "most recent call" not in shown
    assert output_of(code_cell(page, 'submit("practice__n_orders"'), shows_something=False) == ""  # stopped


def test_self_checks_show_pass_and_fail_marks(lab, page):
    """After answering, does the learner see ✅ 通過 in green and ❌ 需修正 in red with what to fix, drawn as real glyphs?"""
    base, _ = lab
    open_notebook(page, base, O1)
    answer(page, "練習 1（0-1）作答區", 'n_orders = len(orders)\nprint("訂單筆數：", n_orders)')
    answer(page, "練習 2（0-1）作答區", 'top_platform = "官方網站"  # a name, not the code')
    run_all(page)
    passed = code_cell(page, 'submit("practice__n_orders"')
    failed = code_cell(page, 'submit("practice__top_platform"')
    assert "✅ 通過｜練習 1（0-1）" in output_of(passed)
    assert "❌ 需修正｜練習 2（0-1）" in output_of(failed) and "請填平台代碼" in output_of(failed)

    good = passed.locator(".jp-OutputArea-output").first
    bad = failed.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").first
    assert glyph_colours(page, good, "✅")["green"] > 0.25, "✅ is not drawn as a colour emoji"
    assert glyph_colours(page, bad, "❌")["red"] > 0.08, "❌ is not drawn as a colour emoji"
    # The check itself can fail: a character no font has (the missing-glyph box) shows no colour.
    good.evaluate("el => el.insertAdjacentText('beforeend', '\\u{10FFFD}')")
    assert max(glyph_colours(page, good, "\U0010fffd").values()) < 0.02
    # Colour and word differ too, for readers without the emoji font or without colour vision.
    word_colour = "el => getComputedStyle(el).color"
    green = good.locator("span", has_text="通過").first.evaluate(word_colour)
    red = bad.locator("span", has_text="需修正").first.evaluate(word_colour)
    r, g, _ = map(int, re.findall(r"\d+", green)[:3])
    assert g > r + 50, green
    r, g, _ = map(int, re.findall(r"\d+", red)[:3])
    assert r > g + 50, red

    table = output_of(code_cell(page, 'orders = learner.load("orders")'))
    assert "NT$" in table and not UNREADABLE.search(table), table
    page.keyboard.press("Control+s")
    time.sleep(2)


def test_validate_says_which_self_check_to_fix(lab, page):
    """Does 檢查 (Validate) list the failing self-check of exercise 2 with what to fix, and not the passing one?"""
    base, _ = lab
    open_notebook(page, base, O1)
    text = validate(page)
    assert "下面這個儲存格沒有通過" in text
    assert "練習 2（0-1）" in text and "請填平台代碼" in text
    assert "practice__n_orders" not in text
    assert not any(phrase in text for phrase in ENGLISH), text


def test_validate_names_every_unanswered_exercise(lab, page):
    """On an untouched 0-2, does 檢查 (Validate) name each unanswered exercise by number, in zh-TW?"""
    base, _ = lab
    open_notebook(page, base, O2)
    text = validate(page)
    for number in range(1, 6):
        assert f"練習 {number}（0-2）" in text, text
    assert "尚未作答" in text
    assert "NotImplementedError: \n" not in text and not any(phrase in text for phrase in ENGLISH), text


def test_module_00_tables_show_money_and_shares(lab, page):
    """Do 0-2's tables read NT$ for money and % for shares, with no NaN-looking cell and no 0.000?"""
    base, _ = lab
    open_notebook(page, base, O2)
    answer(page, "練習 1（0-2）作答區", 'completed = orders[orders["status"] == "completed"]')
    run_all(page)  # stops at exercise 2, after the examples of sections 1 and 2
    revenue = output_of(code_cell(page, "platform_revenue = completed.groupby"))
    share = output_of(code_cell(page, "platform_share = "))
    head = output_of(code_cell(page, 'website_completed[["order_id"'))
    assert re.search(r"NT\$\d{1,3}(,\d{3})+", revenue), revenue
    assert re.search(r"\d+\.\d%", share) and "NT$" not in share, share
    for shown in (revenue, share, head):
        assert not UNREADABLE.search(shown), shown
