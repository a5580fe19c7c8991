"""Does a learner's SWOT board answer, clicked in a real browser and saved, reach the grader and earn its points?

One `netmarketing lab` runs on a private workspace (with a course secret, so the learner works on
their own variant) holding only the T1.2 notebooks, at a small scale. In Debian's chromium the learner
opens T1.2（下）, runs the cells above the board, clicks every evidence
card into its quadrant (the selected button takes the quadrant's colour), ticks the strategy's
evidence, picks the strategy and the target from dropdowns that start on a zh-TW prompt, presses
儲存, runs the two graded cells, saves and hands the notebook in with 作業 → 作業清單 → 繳交. The
instructor collects it (the `answers/` folder comes along) and `netmarketing grade` gives both widget
items their points.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import running_lab
from test_lab_zh_tw import open_menu, open_notebook

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MODULE = "01_market_analysis"
NOTEBOOK = "t1_2b_swot_segments_report"
LEARNER = "t12-browser-learner"
SCALE = "0.2"
QUADRANT_INDEX = {"S": 1, "W": 2, "O": 3, "T": 4}  # button order: 未分類, S, W, O, T


@pytest.fixture(scope="module")
def t12_lab(tmp_path_factory):
    """Start `netmarketing lab` as LEARNER on a private workspace with the T1.2 notebooks; yield its facts."""
    from netmarketing.grading.variant import course_secret

    root = tmp_path_factory.mktemp("t12-lab")
    course = root / "course"
    (course / MODULE).mkdir(parents=True)
    for name in ("t1_2a_statistics_and_position", NOTEBOOK):
        shutil.copy(REPO / "course" / MODULE / f"{name}.ipynb", course / MODULE)
    workspace = root / "autograder"
    workspace.mkdir()
    course_secret(workspace)
    settings = root / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Every cell in the page (no windowing), so that the test can find the cells it clicks.
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = os.environ.copy()
    env.update(
        NETMARKETING_SCALE=SCALE,
        NETMARKETING_CACHE=str(root / "cache"),
        JUPYTERLAB_SETTINGS_DIR=str(root / "lab-settings"),
    )
    with running_lab(workspace, "--course", str(course), "--learner", LEARNER, env=env) as base:
        yield {"base": base, "workspace": workspace, "course": course, "env": env}


def right_answers(workspace: Path) -> tuple[dict, dict]:
    """Return the right board and strategy of LEARNER's variant (what the grader accepts)."""
    from netmarketing.grading.checks import CHECKS, Variant, load_checks
    from netmarketing.grading.variant import Variants

    load_checks()
    world = Variants.of_workspace(workspace, scale=float(SCALE)).world(LEARNER)
    variant = Variant(LEARNER, world.tables, world.truth)
    return CHECKS["p1_2_3__swot_sorting"].saved(variant), CHECKS["p1_2_3__tows_strategy"].saved(variant)


def code_cell(page, text: str):
    """Return the notebook's first code cell whose source contains ``text``."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=text)).first


def run_cell(page, cell) -> None:
    """Select ``cell`` (command mode) and run it with Shift+Enter; wait until it has run."""
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "el => /\\[\\d+\\]/.test(el.innerText)",
        arg=cell.locator(".jp-InputPrompt").element_handle(),
        timeout=180_000,
    )


def test_swot_board_clicked_saved_submitted_and_graded(t12_lab, page):
    """Do the board's clicks, saved with 儲存 and handed in, earn both widget items full points from `netmarketing grade`?"""
    from netmarketing.grading.results import load_results
    from netmarketing.grading.workspace import Workspace
    from netmarketing.learner.items.m01_t1_2 import category_zh
    from netmarketing.learner.widgets import TOWS_STRATEGIES

    board, strategy = right_answers(t12_lab["workspace"])
    open_notebook(page, t12_lab["base"], f"{MODULE}/{NOTEBOOK}.ipynb")

    # The learner runs everything above the board (set-up, data, evidence cards), then the board.
    board_cell = code_cell(page, "learner.widgets.swot_board(")
    board_cell.locator(".jp-InputPrompt").click()
    open_menu(page, "執行")
    page.locator(".lm-Menu [data-command='notebook:run-all-above']").click()
    run_cell(page, board_cell)
    page.locator(".nm-swot-card").first.wait_for(timeout=180_000)
    assert page.locator(".nm-swot-card").count() == sum(len(ids) for ids in board.values())

    # Step 1: every card into its quadrant; the selected button takes the quadrant's colour.
    for quadrant, ids in board.items():
        for card in ids:
            row = page.locator(".widget-hbox").filter(has=page.locator(".nm-swot-card", has_text=card)).last
            row.locator(f"button.widget-toggle-button[value='{QUADRANT_INDEX[quadrant]}']").click()
    first_s = (
        page.locator(".widget-hbox").filter(has=page.locator(".nm-swot-card", has_text=board["S"][0])).last
    )
    chosen = first_s.locator("button.widget-toggle-button.mod-active")
    assert chosen.inner_text().strip() == "S 優勢"
    assert chosen.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(46, 125, 50)"
    # Step 2: the strategy's evidence and the strategy; step 3: the target. Dropdowns start on a prompt.
    for card in strategy["evidence"]:
        row = page.locator(".widget-hbox").filter(has=page.locator(".nm-swot-card", has_text=card)).last
        row.locator("input[type='checkbox']").check()
    strategy_select = page.locator("select").filter(has=page.locator("option", has_text="請選擇 TOWS 策略"))
    target_select = page.locator("select").filter(has=page.locator("option", has_text="請選擇行銷標的物"))
    assert strategy_select.evaluate("s => s.options[s.selectedIndex].text").startswith("（請選擇")
    strategy_select.select_option(label=TOWS_STRATEGIES[strategy["strategy"]])
    target_select.select_option(label=category_zh()[strategy["target"]])
    page.locator("button.widget-button", has_text="儲存").click()
    page.locator(".widget-html", has_text="已儲存").wait_for(timeout=30_000)
    saved = Workspace(t12_lab["workspace"]).release_dir / MODULE / "answers"
    assert sorted(p.name for p in saved.glob("*.json")) == [
        "p1_2_3__swot_sorting.json",
        "p1_2_3__tows_strategy.json",
    ]

    # The graded cells read the saved answers back and print their self-checks.
    for grade_id in ("p1_2_3__swot_sorting", "p1_2_3__tows_strategy"):
        cell = code_cell(page, f'submit("{grade_id}"')
        run_cell(page, cell)
        assert "已交出" in cell.locator(".jp-OutputArea").inner_text(), grade_id
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-current .jp-mod-dirty')", timeout=30_000)

    # 作業 → 作業清單 → 繳交, then the instructor collects and grades.
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
    ws = Workspace(t12_lab["workspace"], course_dir=t12_lab["course"])
    assert ws.api().collect(MODULE)["success"]
    handed_in = ws.submission_dir(LEARNER, MODULE)
    assert (handed_in / "answers" / "p1_2_3__swot_sorting.json").is_file()

    netmarketing = Path(sys.executable).parent / "netmarketing"
    graded = subprocess.run(
        [str(netmarketing), "grade", MODULE, "--autograder", str(t12_lab["workspace"]),
         "--course", str(t12_lab["course"]), "--jobs", "1", "--quiet", "--cell-timeout", "180"],
        env=t12_lab["env"], capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
    grades = load_results(ws, MODULE)[LEARNER]["notebooks"][NOTEBOOK]["grades"]
    for grade_id in ("p1_2_3__swot_sorting", "p1_2_3__tows_strategy"):
        assert grades[grade_id]["score"] == grades[grade_id]["max_score"] == 2, grades[grade_id]
    # What the learner did not answer earns nothing: the points come from the saved board, not for free.
    assert grades["p1_2_3__rival_benchmark"]["score"] == 0
