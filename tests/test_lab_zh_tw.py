"""Does a learner's JupyterLab (`netmarketing lab`) speak zh-TW where the course sends them, in a real browser?

One lab on a private workspace serves every test here; each test opens it in Debian's chromium
(the ``page`` fixture keeps a screenshot when a test fails). The names asserted are the ones
``docs/ui_names_zh_TW.md`` gives the notebook authors.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from test_lab import TOKEN, lab  # noqa: F401 - the module-scoped `netmarketing lab` fixture

from netmarketing.grading.workspace import Workspace
from netmarketing.learner.identity import learner_id

pytestmark = pytest.mark.slow

NOTEBOOK = "00_orientation/o1_getting_started.ipynb"
#: The menu bar, in order (作業 is nbgrader's menu).
MENU_BAR = ["檔案", "編輯", "檢視", "執行", "核心", "作業", "分頁", "設定", "說明"]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: English texts a learner met before the zh-TW work; none may come back.
ENGLISH = [
    "Restart Kernel",
    " and ",
    "Do you want to restart",
    "Error fetching courses",
    "exchange directory does not exist",
    "Validation Results",
    "The following cell failed",
    "Released assignments",
]


def open_notebook(page, base: str, path: str = NOTEBOOK) -> None:
    """Open ``path`` in the lab and wait until its notebook and kernel are ready."""
    page.goto(f"{base}/lab/tree/{path}?reset&token={TOKEN}")  # reset: no tabs left from another test
    page.wait_for_selector(".jp-Notebook .jp-Cell:visible", timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel-toolbar .validate-button:visible", timeout=60_000)


def open_menu(page, title: str) -> list[tuple[str, str]]:
    """Open a menu of the menu bar and return its top-level items as ``(command, label)``."""
    page.locator(".lm-MenuBar-itemLabel").filter(has_text=re.compile(f"^{title}$")).click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    time.sleep(0.3)  # items whose label depends on the current notebook settle
    items = menu.locator(".lm-Menu-item:not(.lm-mod-hidden)").evaluate_all(
        "els => els.map(e => [e.dataset.command || '', e.querySelector('.lm-Menu-itemLabel').innerText])"
    )
    return [(command, label) for command, label in items if label.strip()]


def close_menus(page) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def test_menu_bar_and_menus_are_traditional_chinese(lab, page):  # noqa: F811 - fixture imported above
    """Are the menu bar and every item of the menus a learner uses in zh-TW, with no English item left?"""
    base, _ = lab
    open_notebook(page, base)
    assert page.locator(".lm-MenuBar-itemLabel").all_inner_texts() == MENU_BAR
    english = {}
    for title in ["檔案", "編輯", "檢視", "執行", "核心", "分頁", "設定", "說明"]:
        items = open_menu(page, title)
        close_menus(page)
        assert items, f"menu {title} is empty"
        # Open tabs are listed by file name; the kernel's own help links (help-menu-*) come from the kernel.
        left = [
            label
            for command, label in items
            if not CJK.search(label)
            and command != "tabsmenu:activate-by-id"
            and not command.startswith("help-menu-")
        ]
        if left:
            english[title] = left
    assert english == {}, f"English items left in the menus: {english}"


def test_kernel_and_run_menus_name_restart_and_run_all(lab, page):  # noqa: F811
    """Do the Kernel and Run menus show 「重新啟動核心並執行所有儲存格…」 (never half-translated)?"""
    base, _ = lab
    open_notebook(page, base)
    for title in ["核心", "執行"]:
        labels = dict(open_menu(page, title))
        close_menus(page)
        assert labels.get("runmenu:restart-and-run-all") == "重新啟動核心並執行所有儲存格…", labels
    assert dict(open_menu(page, "檔案")).get("docmanager:save") == "儲存"


def test_restart_dialog_is_traditional_chinese(lab, page):  # noqa: F811
    """Does Kernel → 重新啟動核心並執行所有儲存格… ask in zh-TW, without English sentences?"""
    base, _ = lab
    open_notebook(page, base)
    open_menu(page, "核心")
    page.locator(".lm-Menu [data-command='runmenu:restart-and-run-all']").click()
    dialog = page.locator(".jp-Dialog-content")
    dialog.wait_for()
    text = dialog.inner_text()
    page.keyboard.press("Escape")
    assert "要重新啟動核心嗎？" in text
    assert "所有變數都會消失" in text
    assert "重新啟動" in dialog_buttons(text)
    assert not any(phrase in text for phrase in ENGLISH), text


def dialog_buttons(text: str) -> str:
    """Return the last lines of a dialog's text (its buttons)."""
    return " ".join(text.strip().splitlines()[-2:])


def test_assignment_list_submits_to_the_local_exchange(lab, page):  # noqa: F811
    """Does 作業 → 作業清單 list the modules in zh-TW, and does 繳交 hand one in for the instructor to collect?"""
    base, workspace = lab
    open_notebook(page, base)
    open_menu(page, "作業")
    page.locator(".lm-Menu [data-command='nbgrader:open-assignment-list']").click()
    tab = page.locator(".lm-TabBar-tab[data-id='nbgrader-assignment-list']")
    tab.click()  # the lab may bring the notebook back to the front while it restores its layout
    panel = page.locator("#assignments")
    module = "00_orientation"
    row = panel.locator("#fetched_assignments_list .list_item", has_text=module).first
    row.wait_for(timeout=60_000)
    page.wait_for_function(  # the translation extension has run over the panel
        "() => document.querySelector('#assignments').innerText.includes('已下載的作業')"
    )
    text = panel.inner_text()
    assert "已發布的作業" in text and "已繳交的作業" in text
    assert not any(phrase in text for phrase in ENGLISH), text
    assert tab.inner_text().strip() == "作業清單"

    row.locator("button", has_text="繳交").click()
    submitted = panel.locator("#submitted_assignments_list .list_item", has_text=module).first
    submitted.wait_for(state="attached", timeout=60_000)
    assert not any(phrase in panel.inner_text() for phrase in ENGLISH)

    ws = Workspace(workspace)
    inbound = ws.exchange_dir / str(ws.course_id) / "inbound"
    handed_in = sorted(p.name for p in inbound.iterdir())
    assert any(name.startswith(f"{learner_id()}+{module}+") for name in handed_in), handed_in
    result = ws.api().collect(module)
    assert result["success"], result.get("log")
    assert (ws.submission_dir(learner_id(), module) / Path(NOTEBOOK).name).is_file()


def failing_notebook(path: Path) -> Path:
    """Write a one-question nbgrader notebook whose graded test fails, and return its path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    test = nbformat.v4.new_code_cell("assert 1 + 1 == 3, '答案應該是 2'")
    test.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "check_sum",
        "locked": False,
        "points": 1,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# 檢查練習"), test]
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_validate_dialog_is_traditional_chinese(lab, page):  # noqa: F811
    """Does the 檢查 (Validate) button report a failing test in zh-TW, with no English sentence?"""
    base, workspace = lab
    notebook = failing_notebook(
        Workspace(workspace).release_dir / "00_orientation" / "zz_validate_check.ipynb"
    )
    open_notebook(page, base, f"00_orientation/{notebook.name}")
    button = page.locator(".jp-NotebookPanel-toolbar .validate-button:visible")
    assert button.inner_text().strip() == "檢查"
    assert button.get_attribute("aria-label") == "檢查"  # what a screen reader says
    assert button.get_attribute("title") == "檢查這本筆記本能否通過測試"
    button.click()
    dialog = page.locator(".nbgrader-ErrorDialog")
    dialog.wait_for(timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('.nbgrader-ErrorDialog').innerText.includes('檢查結果')"
    )
    text = dialog.inner_text()
    assert "下面這個儲存格沒有通過" in text
    assert "答案應該是 2" in text  # the test's own message reaches the learner
    assert not any(phrase in text for phrase in ENGLISH), text
