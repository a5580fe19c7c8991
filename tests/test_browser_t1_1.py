"""Does a learner's widget answer in T1.1 survive submission and grading, clicked in a real browser?

One `netmarketing lab --learner` serves the T1.1 notebooks (and only them) from a private workspace with a
course secret, so the learner works on their own variant. In Debian's chromium the learner runs the widget
cells, clicks the right answers into the P1.1.1 picker, the law-case board and the data-quality explorer,
presses 儲存, and hands the module in with 作業 → 作業清單 → 繳交. The instructor collects it and runs
`netmarketing grade`: the four widget items earn their points, the unanswered code items earn none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_lab_zh_tw import open_menu, open_notebook

from netmarketing.grading.checks import CHECKS, Variant, load_checks
from netmarketing.grading.workspace import Workspace
from netmarketing.learner import sources
from tests.conftest import running_lab

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MODULE = "01_market_analysis"
NOTEBOOKS = ("t1_1a_scope_and_law.ipynb", "t1_1b_quality_and_history.ipynb")
LEARNER = "browser-learner-t11"
SCALE = "0.1"
WIDGET_ITEMS = {  # grade id -> (notebook, points)
    "p1_1_1__purposes": ("t1_1a_scope_and_law", 2),
    "p1_1_1__pathways": ("t1_1a_scope_and_law", 3),
    "p1_1_2__law_cases": ("t1_1a_scope_and_law", 2),
    "p1_1_2__audit_issues": ("t1_1b_quality_and_history", 3),
}


@pytest.fixture(scope="module")
def t1_1_lab(tmp_path_factory):
    """Start `netmarketing lab --learner` on a workspace (with a course secret) serving the T1.1 notebooks."""
    root = tmp_path_factory.mktemp("t11lab")
    course = root / "course" / MODULE
    course.mkdir(parents=True)
    for name in NOTEBOOKS:
        shutil.copy(REPO / "course" / MODULE / name, course / name)
    (root / "autograder").mkdir()
    env = {**os.environ, "NETMARKETING_SCALE": SCALE}
    saved_scale = os.environ.get("NETMARKETING_SCALE")
    os.environ["NETMARKETING_SCALE"] = SCALE  # the expected answers are computed here on the same worlds
    try:
        ws = Workspace(root / "autograder", course_dir=root / "course")
        ws.variants()  # creates the course secret, so the lab gives the learner their own variant
        with running_lab(ws.root, "--course", str(root / "course"), "--learner", LEARNER, env=env) as base:
            yield base, ws, env
    finally:
        if saved_scale is None:
            os.environ.pop("NETMARKETING_SCALE", None)
        else:
            os.environ["NETMARKETING_SCALE"] = saved_scale


def run_cell(page, text: str, *, timeout: int = 180_000):
    """Run the code cell containing ``text`` (Shift+Enter) and return it once its prompt shows a number."""
    page.locator("#jp-main-statusbar .jp-StatusBar-TextItem").filter(has_text="閒置").first.wait_for(
        timeout=120_000
    )
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(has_text=text).first
    cell.scroll_into_view_if_needed()
    prompt = cell.locator(".jp-InputArea-prompt")
    deadline = time.monotonic() + timeout / 1000
    for _ in range(3):  # a key press while the notebook still settles can be lost: press again
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        started = time.monotonic()
        while not re.search(r"\[[\d*]+\]", prompt.inner_text()) and time.monotonic() - started < 10:
            time.sleep(0.3)
        if re.search(r"\[[\d*]+\]", prompt.inner_text()):
            break
    while not re.search(r"\[\d+\]", prompt.inner_text()):
        assert time.monotonic() < deadline, f"cell did not finish: {text}"
        time.sleep(0.5)
    return cell


def press_save(cell) -> str:
    """Click the widget's 儲存 button and return the status it shows once saved."""
    cell.locator("button.nm-save").click()
    status = cell.locator(".nm-save + .widget-html")
    status.filter(has_text="已儲存").wait_for(timeout=30_000)
    return status.inner_text()


def test_widget_answers_are_saved_submitted_and_graded(t1_1_lab, page):
    """Do the picker, the case board and the quality explorer, clicked and saved, earn their points from the grader?"""
    base, ws, env = t1_1_lab
    load_checks()
    world = ws.variants().world(LEARNER)
    variant = Variant(LEARNER, world.tables, world.truth)
    want = {grade_id: CHECKS[grade_id].saved(variant) for grade_id in WIDGET_ITEMS}

    # T1.1a: the P1.1.1 picker and the law-case board.
    open_notebook(page, base, f"{MODULE}/{NOTEBOOKS[0]}")
    run_cell(page, "LEARNER_ID = learner.whoami()")
    picker = run_cell(page, "sources.pathway_picker(questions)")
    picker.locator("button.nm-save").wait_for(timeout=60_000)
    for question, purpose in want["p1_1_1__purposes"].items():
        block = picker.locator(f".nm-question-{question}")
        block.locator(".nm-purpose select").select_option(label=sources.PURPOSES[purpose])
        for pathway in want["p1_1_1__pathways"][question]:
            toggle = block.locator(f"button.nm-pathway-{pathway}")
            toggle.click()
            expect(toggle).to_have_class(re.compile(r"\bmod-success\b"))  # chosen shows green
    assert "已儲存 6 題" in press_save(picker)
    board = run_cell(page, "learner.widgets.choice_board(cases")
    board.locator("button.nm-save").wait_for(timeout=60_000)
    for case, option in want["p1_1_2__law_cases"].items():
        board.locator(f".nm-item-{case} select").select_option(label=sources.LAW_OPTIONS[option])
    assert "已儲存 8 項" in press_save(board)

    # T1.1b: the data-quality explorer.
    open_notebook(page, base, f"{MODULE}/{NOTEBOOKS[1]}")
    run_cell(page, "LEARNER_ID = learner.whoami()")
    run_cell(page, 'print(orders["status"].value_counts())')
    run_cell(page, 'audit_counts["duplicate_orders"]')
    explorer = run_cell(page, "learner.widgets.quality_explorer(")
    explorer.locator("button.nm-save").wait_for(timeout=60_000)
    for kind, count in want["p1_1_2__audit_issues"].items():
        explorer.locator(".nm-kind select").select_option(label=f"{sources.DEFECT_KINDS[kind][0]}（{kind}）")
        number = explorer.locator(".nm-count input")
        number.fill(str(count))
        number.press("Enter")
        explorer.locator("button.nm-flag").click()
        explorer.get_by_text(f"已記錄：{sources.DEFECT_KINDS[kind][0]}").wait_for(timeout=30_000)
    assert f"已儲存 {len(want['p1_1_2__audit_issues'])} 種問題" in press_save(explorer)

    # Hand in with 作業 → 作業清單 → 繳交; the instructor collects the module.
    open_menu(page, "作業")
    page.locator(".lm-Menu [data-command='nbgrader:open-assignment-list']").click()
    page.locator(".lm-TabBar-tab[data-id='nbgrader-assignment-list']").click()
    panel = page.locator("#assignments")
    row = panel.locator("#fetched_assignments_list .list_item", has_text=MODULE).first
    row.wait_for(timeout=60_000)
    row.locator("button", has_text="繳交").click()
    panel.locator("#submitted_assignments_list .list_item", has_text=MODULE).first.wait_for(
        state="attached", timeout=60_000
    )
    assert ws.api().collect(MODULE)["success"]
    handed_in = ws.submission_dir(LEARNER, MODULE)
    assert sorted(p.stem for p in (handed_in / "answers").glob("*.json")) == sorted(WIDGET_ITEMS)

    # The grader re-runs the notebooks in its sandbox and reads the saved answers back.
    netmarketing = Path(sys.executable).parent / "netmarketing"
    graded = subprocess.run(
        [str(netmarketing), "grade", MODULE, "--autograder", str(ws.root), "--course", str(ws.course_dir)],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    with ws.gradebook() as gb:
        for grade_id, (notebook, points) in WIDGET_ITEMS.items():
            assert gb.find_grade(grade_id, notebook, MODULE, LEARNER).auto_score == points, grade_id
        # An exercise answered in code was left as released: it earns nothing.
        assert gb.find_grade("p1_1_2__positioning", "t1_1a_scope_and_law", MODULE, LEARNER).auto_score == 0
