"""An instructor's grading day in formgrader, in a real browser (Debian's chromium).

One small course (tests/fixtures/instructor_day.py: automatic items and a written answer with a
detailed rubric) is graded by ``netmarketing grade``'s pipeline: ``s01`` honest, ``s02`` with an
edited locked cell. ``netmarketing formgrader`` then serves it, and the instructor:
sees only the module, follows its source link; sees s02's submission flagged with its reason and
resolves it; opens s01's written answer, sees its rubric, gives criterion levels and a comment;
presses Generate Feedback; runs ``netmarketing feedback`` and ``netmarketing certify`` from a
sub-folder of the course; and finds the levels and the comment in s01's feedback page and report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_formgrader import day

from netmarketing.cli import main
from netmarketing.grading.autograde import GradeOptions, grade_modules
from netmarketing.grading.sandbox import SandboxLimits
from netmarketing.grading.workspace import Workspace
from netmarketing.hub.process import free_port

pytestmark = pytest.mark.slow

TOKEN = "netmarketing-formgrader-test"
COMMENT = "說明清楚；下次請附上驗算。"
GRADER = "王老師"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Grade the small course, start `netmarketing formgrader` on it and yield (base URL, workspace, root)."""
    root = tmp_path_factory.mktemp("day")
    course, autograder = day.make_workspace(root)
    ws = Workspace(autograder, course_dir=course)
    ws.import_roster()
    ws.generate(day.MODULE)
    day.make_submissions(ws)
    saved = os.environ.get("NETMARKETING_SCALE")
    os.environ["NETMARKETING_SCALE"] = "0.05"  # small worlds: the module reads one table
    try:
        limits = SandboxLimits(memory_mb=3072, cell_timeout=30, notebook_budget=120)
        grade_modules(
            ws, [day.MODULE], GradeOptions(jobs=2, progress=False, limits=limits, extra_checks=[day.CHECKS])
        )
    finally:
        if saved is None:
            os.environ.pop("NETMARKETING_SCALE", None)
        else:
            os.environ["NETMARKETING_SCALE"] = saved
    port = free_port()
    netmarketing = Path(sys.executable).parent / "netmarketing"
    log = open(root / "formgrader.log", "w")  # a file, not a pipe: a full pipe would stall the server
    proc = subprocess.Popen(
        [
            str(netmarketing),
            "formgrader",
            "--autograder",
            str(autograder),
            "--course",
            str(course),
            "--",
            "--no-browser",
            f"--port={port}",
            f"--IdentityProvider.token={TOKEN}",
            "--ServerApp.ip=127.0.0.1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(
                    f"{base}/api/status?token={TOKEN}", timeout=10
                ).close()  # loopback only
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"formgrader did not start:\n{(root / 'formgrader.log').read_text()[-3000:]}")
                time.sleep(1)
        yield base, ws, root
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()


def _open(page, base: str, path: str) -> None:
    """Open a formgrader page, logging in first (the token in formgrader's own URL sets the login cookie)."""
    if not any(c["name"].startswith("username-") for c in page.context.cookies()):
        page.goto(f"{base}/formgrader?token={TOKEN}")
    page.goto(f"{base}{path}")


def _submission_links(page, base: str) -> dict[str, tuple[str, bool]]:
    """Return {learner name as formgrader shows it: (submission link, flagged?)} of the written notebook."""
    _open(page, base, f"/formgrader/gradebook/{day.MODULE}/{day.NOTEBOOK}")
    page.wait_for_selector("#main-table tr td.name a")
    rows = page.locator("#main-table tr").evaluate_all(
        "rows => rows.map(r => [r.querySelector('a.name-shown').textContent,"
        " r.querySelector('td.name a').getAttribute('href'), !!r.querySelector('td.flagged .glyphicon-flag')])"
    )
    return {name: (href, flagged) for name, href, flagged in rows}


def _poll(check, what: str, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"timed out waiting for {what}"
            return value
        time.sleep(0.3)


def test_formgrader_lists_only_modules_and_its_links_resolve(server, page):
    """Does formgrader list the module (not the builder scripts), with a source link that opens the sources?"""
    base = server[0]
    _open(page, base, "/formgrader")
    page.wait_for_selector("#main-table td.name a")
    assert page.locator("#main-table td.name").all_inner_texts() == [day.MODULE]
    href = page.locator("#main-table td.name a").get_attribute("href")
    response = page.request.get(base + href)
    assert response.status == 200 and response.url.endswith(f"/tree/course/{day.MODULE}")
    listing = page.request.get(f"{base}/api/contents/course/{day.MODULE}").json()
    assert [item["name"] for item in listing["content"]] == [f"{day.NOTEBOOK}.ipynb"]
    _open(page, base, "/formgrader/manage_students")
    page.locator("#main-table td.id", has_text="s01").wait_for()
    students = page.locator("#main-table").inner_text()
    assert "s01" in students and "怡君" in students and "陳" in students


def test_an_instructors_grading_day(server, page, axe):
    """Flag seen and resolved, rubric used in formgrader, Generate Feedback, feedback and certify: does the
    learner's feedback page and report show the criterion levels and the comment, with one total everywhere?"""
    base, ws, root = server
    links = _submission_links(page, base)
    assert links["林, 志明"][1] is True and links["陳, 怡君"][1] is False  # s02 flagged, s01 not

    # The flagged submission says why, and the instructor resolves it.
    _open(page, base, links["林, 志明"][0])
    flag = page.locator(".nm-flag")
    flag.wait_for()
    assert "p1_1_3__positive 被修改" in flag.inner_text() and "s02" in page.locator(".nm-banner").inner_text()
    page.locator(".nm-flag-toggle").click()
    _poll(lambda: "已取消標記" in page.locator(".nm-flag-state").inner_text(), "the flag to be cleared")

    # The written answer, its rubric beside it, levels and a comment given through the panel.
    _open(page, base, links["陳, 怡君"][0])
    panel = page.locator(f".nm-rubric[data-grade-id='{day.WRITTEN}']")
    panel.wait_for()
    text = panel.inner_text()
    assert "準則 1：說明結果從哪個計算而來" in text and "準則 2：用語精確" in text
    assert "說出計算方式。" in text and "「0 加到 9。」" in text  # a descriptor and its exemplar
    assert "s01　陳怡君" in page.locator(".nm-banner").inner_text()
    page.wait_for_selector(f"#{day.WRITTEN}-comment")
    time.sleep(1)  # formgrader loads the grades and comments it binds to the boxes
    panel.locator(f"input[name='nm-{day.WRITTEN}-c1'][value='2']").check()
    panel.locator(f"input[name='nm-{day.WRITTEN}-c2'][value='3']").check()
    panel.locator(".nm-grader").fill(GRADER)
    panel.locator(".nm-comment").fill(COMMENT)
    panel.locator(".nm-fill").click()
    assert "1.7 / 2" in panel.locator(".nm-status").inner_text()

    def saved():
        with ws.gradebook() as gb:
            comment = gb.find_comment(day.WRITTEN, day.NOTEBOOK, day.MODULE, "s01").manual_comment or ""
            score = gb.find_grade(day.WRITTEN, day.NOTEBOOK, day.MODULE, "s01").manual_score
        return COMMENT in comment and score == pytest.approx(1.7)

    _poll(saved, "formgrader to save the rubric record and the score")

    # Generate Feedback: the course's feedback, written again with the grade; nothing from the answer key.
    _open(page, base, "/formgrader/manage_assignments")
    page.locator("#main-table td.generate-feedback a").click()
    modal = page.locator(".modal-dialog")
    modal.wait_for()
    assert "Successfully generated feedback" in modal.inner_text()
    own = Path(ws.feedback_dir) / "s01" / day.MODULE
    released = ws.root / "feedback_release" / "s01" / day.MODULE
    assert (own / "index.html").is_file()
    assert (released / f"{day.NOTEBOOK}.html").read_bytes() == (own / f"{day.NOTEBOOK}.html").read_bytes()
    assert COMMENT in (own / f"{day.NOTEBOOK}.html").read_text(encoding="utf-8")
    every = [
        p
        for folder in (ws.feedback_dir, released.parent.parent)
        for p in Path(folder).rglob("*")
        if p.is_file()
    ]
    for path in every:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert (
            day.SOLUTION_TEXT not in text and day.CHECK_CODE not in text and "BEGIN SOLUTION" not in text
        ), path

    # Release Feedback hands out exactly those pages (one per notebook), through nbgrader's exchange.
    modal.get_by_role("button", name="OK").click()
    modal.wait_for(state="hidden")
    page.locator("#main-table td.release-feedback a").click()
    page.locator(".modal-dialog", has_text="released").wait_for()
    outbound = sorted((ws.exchange_dir / str(ws.course_id) / "feedback").glob("*.html"))
    pages = {(ws.feedback_dir / s / day.MODULE / f"{day.NOTEBOOK}.html").read_bytes() for s in ("s01", "s02")}
    assert len(outbound) == 2 and {p.read_bytes() for p in outbound} == pages

    # The rest of the day on the command line, from a folder inside the course (no paths given).
    cwd = Path.cwd()
    os.chdir(root / "course" / day.MODULE)
    try:
        assert main(["feedback"]) == 0
        assert main(["certify"]) == 0
    finally:
        os.chdir(cwd)

    page.goto((own / f"{day.NOTEBOOK}.html").as_uri())
    written = page.locator("section", has=page.locator("h2", has_text="書面作答的評分")).inner_text()
    assert "說明結果從哪個計算而來" in written and "2（達成）" in written and "3（優異）" in written
    assert COMMENT in written and "1.7 / 2" in written
    assert not axe(page), str(axe(page))

    report = root / "reports" / "learners" / "s01.html"
    page.goto(report.as_uri())
    body = page.locator("body").inner_text()
    assert "2（達成）" in body and "3（優異）" in body and COMMENT in body and GRADER in body
    assert not axe(page), str(axe(page))
    total = json.loads((ws.root / "results" / f"{day.MODULE}.json").read_text(encoding="utf-8"))
    assert total["submissions"]["s01"]["score"] == pytest.approx(7.7)
    with ws.gradebook() as gb:
        assert gb.find_submission(day.MODULE, "s01").score == pytest.approx(7.7)
    assert "7.7 / 8" in body

    # The flag resolved in formgrader no longer holds s02's decision back.
    page.goto((root / "reports" / "learners" / "s02.html").as_uri())
    assert "p1_1_3__positive 被修改" not in page.locator("body").inner_text()
