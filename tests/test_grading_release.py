"""Tests of the nbgrader wiring: workspace, configuration, release, roster and gradebook URL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netmarketing.cli import main
from netmarketing.grading.workspace import CODE_STUB, Workspace, read_roster

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "course"
MODULE = "01_fixture"


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Workspace:
    monkeypatch.delenv("NETMARKETING_DB_URL", raising=False)
    monkeypatch.delenv("NETMARKETING_COURSE_DIR", raising=False)
    shutil.copytree(FIXTURE, tmp_path / "course")
    (tmp_path / "autograder").mkdir()
    return Workspace(tmp_path / "autograder")


def test_config_file_points_at_the_course(monkeypatch, tmp_path):
    """Does autograder/nbgrader_config.py give nbgrader the course folder, the workspace and the env's db URL?"""
    from traitlets.config.loader import PyFileConfigLoader

    url = f"sqlite:///{tmp_path}/elsewhere.db"
    monkeypatch.setenv("NETMARKETING_DB_URL", url)
    monkeypatch.setenv("NETMARKETING_EXCHANGE", str(tmp_path / "exchange"))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "autograder")).load_config()
    root = Path(config.CourseDirectory.root)
    assert root == REPO / "autograder"
    assert (root / config.CourseDirectory.source_directory).resolve() == REPO / "course"
    assert config.CourseDirectory.db_url == url
    assert config.Exchange.root == str(tmp_path / "exchange")


def test_default_gradebook_is_sqlite_in_the_workspace(workspace):
    """Without NETMARKETING_DB_URL, is the gradebook an SQLite file inside autograder/?"""
    assert workspace.db_url == f"sqlite:///{workspace.root / 'gradebook.db'}"


@pytest.mark.slow
def test_generate_release_and_gradebook(workspace):
    """Does generate write a learner copy without solutions and record the module in the gradebook?"""
    release = workspace.generate(MODULE)
    text = (release / "fixture.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "HIDDEN" not in text
    assert "groupby" not in text  # the solution of exercise 2
    cells = {
        c["metadata"].get("nbgrader", {}).get("grade_id"): "".join(c["source"])
        for c in json.loads(text)["cells"]
    }
    assert CODE_STUB in cells["ex1_answer"]
    with workspace.gradebook() as gb:
        notebook = gb.find_notebook("fixture", MODULE)
        grade_ids = sorted(cell.name for cell in notebook.grade_cells)
    assert grade_ids == ["p1_1_3__completed_orders", "p1_1_3__revenue_by_platform", "p1_2_1__interpretation"]
    assert Path(workspace.db_url.removeprefix("sqlite:///")).is_file()


@pytest.mark.slow
def test_any_sqlalchemy_url(tmp_path):
    """Does the gradebook open at an explicit SQLAlchemy URL and import a roster there?"""
    url = f"sqlite:///{tmp_path / 'db' / 'shared.sqlite'}"
    ws = Workspace(tmp_path / "autograder", course_dir=FIXTURE, db_url=url)
    n = ws.import_roster(REPO / "autograder" / "roster.csv")
    rows = read_roster(REPO / "autograder" / "roster.csv")
    assert n == len(rows) > 0
    with ws.gradebook() as gb:
        student = gb.find_student(rows[0]["id"])
        assert (student.first_name, student.email) == (rows[0]["first_name"], rows[0]["email"])
        assert len(gb.students) == n
    assert (tmp_path / "db" / "shared.sqlite").is_file()


def test_malformed_roster(tmp_path):
    """Is a roster without the email column, or with an empty id, refused with a zh-TW message?"""
    bad = tmp_path / "bad.csv"
    bad.write_text("id,first_name,last_name\ns1,a,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="缺少欄位"):
        read_roster(bad)
    bad.write_text("id,first_name,last_name,email\n,a,b,c@d\n", encoding="utf-8")
    with pytest.raises(ValueError, match="沒有 id"):
        read_roster(bad)


@pytest.mark.slow
def test_release_and_lab_keep_learner_work(workspace, capsys):
    """Does `release` write learner copies, and `lab` start in them without overwriting a learner's edits?"""
    location = ["--course", str(workspace.course_dir), "--autograder", str(workspace.root)]
    assert main(["release", MODULE, *location]) == 0
    copy = workspace.release_dir / MODULE / "fixture.ipynb"
    copy.write_text(
        copy.read_text(encoding="utf-8").replace("raise NotImplementedError()", "n_completed = 1")
    )
    assert main(["lab", "--dry-run", *location]) == 0
    out = capsys.readouterr().out
    assert "jupyter" in out and str(workspace.release_dir) in out
    assert "n_completed = 1" in copy.read_text(encoding="utf-8")


def test_unknown_module_is_a_user_error(workspace, capsys):
    """Does `release` of a module that does not exist exit 2 with a zh-TW message?"""
    code = main(
        ["release", "99_nope", "--course", str(workspace.course_dir), "--autograder", str(workspace.root)]
    )
    assert code == 2
    assert "找不到單元" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_roster_uses_the_env_database(tmp_path, monkeypatch, capsys):
    """Does `netmarketing course roster` import the learners into the gradebook named by NETMARKETING_DB_URL?"""
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("NETMARKETING_DB_URL", url)
    roster = REPO / "autograder" / "roster.csv"
    code = main(
        ["course", "roster", str(roster), "--course", str(FIXTURE), "--autograder", str(tmp_path / "ag")]
    )
    assert code == 0
    with Gradebook(url, course_id="kmc2431-008v1") as gb:
        assert sorted(s.id for s in gb.students) == sorted(row["id"] for row in read_roster(roster))
    assert "已匯入" in capsys.readouterr().out
