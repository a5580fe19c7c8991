"""Tests of ``netmarketing course check`` on mutated copies of the fixture course."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest

import tests.fixtures.fixture_checks  # noqa: F401 - registers the fixture course's items and checks
from netmarketing.cli import main
from netmarketing.grading.check import check_course, secret_lines

FIXTURE = Path(__file__).parent / "fixtures" / "course"
MODULE = "01_fixture"


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE, course)
    return course


def _nb_path(course: Path) -> Path:
    return course / MODULE / "fixture.ipynb"


def _read(course: Path) -> dict:
    return json.loads(_nb_path(course).read_text(encoding="utf-8"))


def _write(course: Path, nb: dict, name: str = "fixture.ipynb", module: str = MODULE) -> None:
    (course / module).mkdir(parents=True, exist_ok=True)
    (course / module / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _graded(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _src(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.slow
def test_fixture_passes(tmp_path):
    """Does the untouched fixture course pass the check, release scan included, with only warnings?"""
    report = check_course(_course(tmp_path), coverage=False)
    assert report.ok, report.format()
    assert report.items_per_indicator["P1.1.3"] == 2


def test_duplicate_grade_id_across_notebooks(tmp_path):
    """Is a grade id used in two notebooks of the course reported as a duplicate?"""
    course = _course(tmp_path)
    _write(course, _read(course), name="copy.ipynb")
    report = check_course(course, release=False, coverage=False)
    assert "duplicate-grade-id" in report.codes("error")


def test_unknown_indicator(tmp_path):
    """Is an indicator code that the standard does not have reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    _graded(nb, "p1_1_3__completed_orders")["metadata"]["netmarketing"]["indicator"] = "P1.9.9"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert "unknown-indicator" in report.codes("error")


def test_missing_indicator_and_two_indicators(tmp_path):
    """Is a graded cell with no indicator, or with two, reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    del _graded(nb, "p1_1_3__completed_orders")["metadata"]["netmarketing"]
    _graded(nb, "p1_1_3__revenue_by_platform")["metadata"]["netmarketing"]["indicator"] = ["P1.1.3", "P1.1.2"]
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert {"indicator-missing", "indicator-not-one"} <= report.codes("error")


def test_grade_id_indicator_mismatch(tmp_path):
    """Is a grade id whose prefix names another indicator than its metadata reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    _graded(nb, "p1_1_3__completed_orders")["metadata"]["netmarketing"]["indicator"] = "P1.2.4"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert "id-indicator-mismatch" in report.codes("error")


def test_output_of_another_task(tmp_path):
    """Is a deliverable tied to a work output of another task reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    _graded(nb, "p1_2_1__interpretation")["metadata"]["netmarketing"]["output"] = "O3.2.1"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert "output-task-mismatch" in report.codes("error")


def test_outputs_committed(tmp_path):
    """Is a source notebook saved with outputs reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    cell = _graded(nb, "setup_identity")
    cell["outputs"] = [
        {"name": "stdout", "output_type": "stream", "text": "學員代號 (learner id)：self-study\n"}
    ]
    cell["execution_count"] = 1
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert "outputs-committed" in report.codes("error")


@pytest.mark.slow
def test_solution_text_in_release(tmp_path):
    """Is a solution line repeated in a later visible cell (so the notebook can go on) reported as a leak?"""
    course = _course(tmp_path)
    nb = _read(course)
    answer = _src(_graded(nb, "ex2_answer")).split("\n")[2]
    assert "groupby" in answer
    position = nb["cells"].index(_graded(nb, "p1_1_3__revenue_by_platform")) + 1
    nb["cells"].insert(position, nbformat.v4.new_code_cell(f"# 接續使用 (continue with)\n{answer}"))
    _write(course, nb)
    report = check_course(course, coverage=False)
    assert "solution-in-release" in report.codes("error")


def test_worked_example_before_the_exercise_is_not_a_leak():
    """Is a solution line already shown in an earlier worked example left out of the secrets, and a later one kept?"""
    nb = json.loads((FIXTURE / MODULE / "fixture.ipynb").read_text(encoding="utf-8"))
    answer = _src(_graded(nb, "ex2_answer")).split("\n")[2].strip()
    assert answer in secret_lines(nb)[0]
    example = nbformat.v4.new_markdown_cell(f"範例 (worked example)：\n\n```python\n{answer}\n```")
    assert answer not in secret_lines({"cells": [example, *nb["cells"]]})[0]
    assert answer in secret_lines({"cells": [*nb["cells"], example]})[0]


def test_hidden_tests_and_test_code_are_refused(tmp_path):
    """Is a hidden-test region, an assert or a grader import in a notebook reported (checks live in the grader)?"""
    course = _course(tmp_path)
    nb = _read(course)
    cell = _graded(nb, "p1_1_3__completed_orders")
    cell["source"] = _src(cell) + "\n### BEGIN HIDDEN TESTS\nassert n_completed == 1\n### END HIDDEN TESTS"
    other = _graded(nb, "p1_1_3__revenue_by_platform")
    other["source"] = _src(other) + "\nfrom netmarketing.grading import checks"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert {"hidden-tests-not-allowed", "test-code-in-notebook", "grader-import-in-notebook"} <= report.codes(
        "error"
    )


def test_graded_cell_must_hand_in_its_own_item(tmp_path):
    """Is a graded cell that hands in another item's answers, or nothing, reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    _graded(nb, "p1_1_3__completed_orders")["source"] = 'submit("p1_1_3__revenue_by_platform", "x")'
    _graded(nb, "p1_1_3__revenue_by_platform")["source"] = "print(revenue_by_platform)"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    flagged = {f.cell for f in report.errors if f.code == "submit-missing"}
    assert flagged == {"p1_1_3__completed_orders", "p1_1_3__revenue_by_platform"}


def test_graded_cell_without_item_or_check_is_reported(tmp_path):
    """Is an automatically graded cell whose grade id has no registered item spec or grader check reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    cell = _graded(nb, "p1_1_3__completed_orders")
    cell["metadata"]["nbgrader"]["grade_id"] = "p1_1_3__not_registered"
    cell["source"] = 'submit("p1_1_3__not_registered", "n_completed")'
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert {"item-not-registered", "check-not-registered"} <= report.codes("error")


@pytest.mark.slow
def test_solution_delimiters_outside_solution_cell(tmp_path):
    """Is a solution region in a cell not marked as solution reported (nbgrader would refuse it)?"""
    course = _course(tmp_path)
    nb = _read(course)
    cell = _graded(nb, "setup_load")
    cell["source"] = _src(cell) + "\n### BEGIN SOLUTION\nsecret_value = 42\n### END SOLUTION"
    _write(course, nb)
    report = check_course(course, coverage=False)
    assert "solution-outside-solution-cell" in report.codes("error")
    assert not report.ok


def _duty_module(course: Path, module: str, indicator: str, output: str | None = None) -> None:
    nb = _read(course)
    cell = copy.deepcopy(_graded(nb, "p1_2_1__interpretation"))
    slug = indicator.lower().replace(".", "_")
    cell["metadata"]["nbgrader"]["grade_id"] = f"{slug}__a"
    cell["metadata"]["netmarketing"] = {"indicator": indicator} | ({"output": output} if output else {})
    second = copy.deepcopy(cell)
    second["metadata"]["nbgrader"]["grade_id"] = f"{slug}__b"
    nb["cells"] = [cell, second]
    _write(course, nb, name="t.ipynb", module=module)


def test_too_few_items_warns_while_a_duty_is_missing(tmp_path):
    """Is an indicator with one item only a warning while duties T2 and T3 have no module?"""
    report = check_course(_course(tmp_path), release=False, coverage=False)
    warned = {f.cell for f in report.warnings if f.code == "too-few-items"}
    assert "P1.2.1" in warned
    assert "duty-missing" in report.codes("warning")
    assert report.ok


def test_too_few_items_fails_once_all_duties_exist(tmp_path):
    """Once every duty has a module, does an indicator with one item make the check fail?"""
    course = _course(tmp_path)
    _duty_module(course, "02_strategy", "P2.1.1", "O2.1.1")
    _duty_module(course, "03_performance", "P3.1.1", "O3.1.1")
    report = check_course(course, release=False)
    failed = {f.cell for f in report.errors if f.code == "too-few-items"}
    assert {"P1.2.1", "P1.1.1", "P2.1.2", "P3.2.2"} <= failed
    assert "P1.1.3" not in failed and "P2.1.1" not in failed
    assert "duty-missing" not in report.codes()


def test_every_indicator_needs_automatic_and_judgement_items(tmp_path):
    """Is an indicator of a built duty without 2 automatic and 1 judgement item an error (a warning in --draft)?"""
    course = _course(tmp_path)
    strict = check_course(course, release=False)
    kinds = {f.cell for f in strict.errors if f.code == "evidence-kinds"}
    assert "P1.1.3" in kinds  # two automatic items, no judgement item
    assert "P1.2.1" in kinds  # one judgement item, no automatic item
    assert strict.kinds_per_indicator["P1.1.3"] == {"auto": 2}
    draft = check_course(course, release=False, coverage=False)
    assert "evidence-kinds" in draft.codes("warning") and "evidence-kinds" not in draft.codes("error")


def test_ks_codes_are_checked_and_their_coverage_printed(tmp_path):
    """Is a K/S code outside the item's task an error, a task code no item exercises reported, and coverage printed?"""
    course = _course(tmp_path)
    nb = _read(course)
    _graded(nb, "p1_1_3__completed_orders")["metadata"]["netmarketing"]["ks"] = ["K08"]  # a T1.2 code
    del _graded(nb, "p1_1_3__revenue_by_platform")["metadata"]["netmarketing"]["ks"]
    _write(course, nb)
    report = check_course(course, release=False)
    assert {"ks-not-of-task", "ks-missing"} <= report.codes("error")
    uncovered = {
        f.message.split(" 的 ")[1].split(" ")[0] for f in report.errors if f.code == "ks-not-covered"
    }
    assert "K01" in uncovered and "K03" in uncovered
    assert report.coverage["T1.2"]["K08"] == 1
    assert any(line.startswith("T1.1 知識與技能覆蓋") for line in report.format().splitlines())


def test_judgement_item_needs_a_detailed_rubric(tmp_path, monkeypatch):
    """Is a written item without a rubric, or with a rubric lacking level descriptors and exemplars, an error?"""
    import yaml

    from netmarketing.certify.rubrics import load_rubrics, parse_rubric
    from netmarketing.grading import check

    plain = yaml.safe_load(
        (Path(__file__).parents[1] / "autograder/rubrics/written_analysis.yaml").read_text("utf-8")
    )
    plain.update(id="plain_rubric", criteria=[c["name"] for c in plain["criteria"]])  # names only
    rubrics = {**load_rubrics(), "plain_rubric": parse_rubric(plain, tmp_path / "plain_rubric.yaml")}
    monkeypatch.setitem(check._RUBRICS, "all", rubrics)
    course = _course(tmp_path)
    nb = _read(course)
    _graded(nb, "p1_2_1__interpretation")["metadata"]["netmarketing"]["rubric"] = "plain_rubric"
    _write(course, nb)
    assert "rubric-not-detailed" in check_course(course, release=False, coverage=False).codes("error")
    del _graded(nb, "p1_2_1__interpretation")["metadata"]["netmarketing"]["rubric"]
    _write(course, nb)
    assert "rubric-missing" in check_course(course, release=False, coverage=False).codes("error")


def test_reflection_prompts_name_an_attitude_and_weigh_nothing(tmp_path):
    """Is a reflection prompt counted for its attitude, and one with points or a bad code reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    reflection = copy.deepcopy(_graded(nb, "p1_2_1__interpretation"))
    reflection["metadata"]["nbgrader"].update(grade_id="reflection__a06_sources", points=0)
    reflection["metadata"]["netmarketing"] = {"indicator": "reflection", "attitude": "A06"}
    nb["cells"].append(reflection)
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert report.attitudes["A06"] == 1 and report.ok, report.format()
    reflection["metadata"]["nbgrader"]["points"] = 2
    reflection["metadata"]["netmarketing"]["attitude"] = "A09"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert {"reflection-scored", "unknown-attitude"} <= report.codes("error")


def test_cli_exit_code(tmp_path, capsys):
    """Does `netmarketing course check` exit non-zero with a zh-TW message when a check fails?"""
    course = _course(tmp_path)
    assert main(["course", "check", "--no-release", "--draft", "--course", str(course)]) == 0
    nb = _read(course)
    _graded(nb, "p1_1_3__completed_orders")["metadata"]["netmarketing"]["indicator"] = "P1.9.9"
    _write(course, nb)
    assert main(["course", "check", "--no-release", "--draft", "--course", str(course)]) == 1
    out = capsys.readouterr().out
    assert "職能基準中沒有行為指標" in out and "未通過" in out


@pytest.mark.slow
def test_execute_catches_a_solution_that_works_on_one_variant_only(tmp_path, monkeypatch):
    """With --execute, is a source whose solution hard-codes one variant's number reported for the other learner only?"""
    from netmarketing.grading.variant import Variants

    monkeypatch.setenv("NETMARKETING_SCALE", "0.05")  # a small world is enough
    variants = Variants(b"course-check-test", tmp_path / "cache", 0.05)
    course = _course(tmp_path)
    learners = ("learner-a", "learner-b")
    report = check_course(
        course, execute=True, release=False, learners=learners, variants=variants, coverage=False
    )
    assert "source-fails" not in report.codes(), report.format()

    def completed_for(learner_id: str) -> int:
        orders = variants.world(learner_id).tables["orders"]
        return int((orders["status"] == "completed").sum())

    fixed = completed_for("learner-a")
    assert completed_for("learner-b") != fixed, "pick other learner ids: their counts coincide"
    nb = _read(course)
    cell = _graded(nb, "ex1_answer")
    cell["source"] = f"### BEGIN SOLUTION\nn_completed = {fixed}\n### END SOLUTION"
    _write(course, nb)
    report = check_course(
        course, execute=True, release=False, learners=learners, variants=variants, coverage=False
    )
    failures = [f.message for f in report.errors if f.code == "source-fails"]
    assert len(failures) == 1 and "learner-b" in failures[0], report.format()


@pytest.mark.slow
def test_execute_reports_an_answer_that_is_the_same_on_every_variant(tmp_path, monkeypatch):
    """With --execute, is an automatic item whose copied answer passes on another variant reported?"""
    from netmarketing.grading.variant import Variants

    monkeypatch.setenv("NETMARKETING_SCALE", "0.05")
    variants = Variants(b"course-check-test", tmp_path / "cache", 0.05)
    course = _course(tmp_path)
    nb = _read(course)
    answer = copy.deepcopy(_graded(nb, "ex1_answer"))
    answer["metadata"]["nbgrader"]["grade_id"] = "ex9_answer"
    answer["source"] = "### BEGIN SOLUTION\ntotal = sum(range(10))\n### END SOLUTION"
    graded = copy.deepcopy(_graded(nb, "p1_1_3__completed_orders"))
    graded["metadata"]["nbgrader"]["grade_id"] = "p1_1_3__same_for_everyone"
    graded["source"] = 'submit("p1_1_3__same_for_everyone", "total")'
    for cell in (answer, graded):
        cell.pop("id", None)
    nb["cells"] += [answer, graded]
    _write(course, nb)
    report = check_course(
        course,
        execute=True,
        release=False,
        learners=("learner-a", "learner-b"),
        variants=variants,
        coverage=False,
    )
    flagged = {f.cell for f in report.errors if f.code == "answer-not-variant-dependent"}
    assert flagged == {"p1_1_3__same_for_everyone"}, report.format()


def test_identity_cell_missing(tmp_path):
    """Is a notebook whose first code cell does not record LEARNER_ID reported?"""
    course = _course(tmp_path)
    nb = _read(course)
    cell = _graded(nb, "setup_identity")
    cell["source"] = "from netmarketing import learner\n"
    _write(course, nb)
    report = check_course(course, release=False, coverage=False)
    assert "identity-cell-missing" in report.codes("error")
