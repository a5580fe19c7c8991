"""A shared gradebook on a real PostgreSQL server: grading, certifying and reports give the same
results as on SQLite.

The server is Debian's PostgreSQL (``scripts/setup_system.sh`` installs it), started by the
``postgres`` fixture itself in a temporary data folder, listening on a Unix socket only, and
stopped at the end: CI starts with nothing running. ``NETMARKETING_DB_URL`` points the grader at
it, exactly as on a shared deployment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
MODULE = "00_orientation"
BIN = Path(sys.executable).parent


# -- one cohort graded twice: on SQLite and on PostgreSQL ------------------------------------------
def grade_and_certify(root: Path, db_url: str | None, submissions: Path, secret: Path) -> dict:
    """Grade the simulated cohort and certify it with the gradebook at ``db_url`` (None: SQLite)."""
    from netmarketing import certify

    autograder = root / "autograder"
    shutil.copytree(submissions, autograder / "submitted")
    (autograder / "secret").mkdir(mode=0o700)
    shutil.copy2(secret, autograder / "secret" / "course.key")  # the same variants on both sides
    env = {**os.environ, "NETMARKETING_SCALE": "0.3"}
    if db_url:
        env["NETMARKETING_DB_URL"] = db_url
    command = [str(BIN / "netmarketing"), "grade", MODULE, "-q", "--autograder", str(autograder)]
    done = subprocess.run(
        [*command, "--course", str(REPO / "course")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    url = db_url or f"sqlite:///{autograder / 'gradebook.db'}"
    certify.simulate_manual_grades(url, {"sim01": "proficient", "sim02": 2})
    result = certify.run(
        url,
        REPO / "course",
        root / "reports",
        simulated_manual=True,
        keys_dir=root / "keys",
        results_dir=autograder / "results",
    )
    grades = certify.load_gradebook(url).grades
    return {"grades": grades, "result": result, "reports": root / "reports"}


@pytest.fixture(scope="module")
def both(postgres, tmp_path_factory):
    """Grade and certify one simulated cohort of module 00 on SQLite and on PostgreSQL."""
    base = tmp_path_factory.mktemp("gradebooks")
    sim = base / "sim" / "autograder"
    sim.mkdir(parents=True)
    env = {**os.environ, "NETMARKETING_SCALE": "0.3"}
    command = [str(BIN / "netmarketing"), "cohort", "simulate", MODULE, "--n", "3", "--autograder", str(sim)]
    done = subprocess.run(
        [*command, "--course", str(REPO / "course")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    from netmarketing.grading.variant import course_secret

    course_secret(sim)  # one course secret for both gradebooks
    submissions, secret = sim / "submitted", sim / "secret" / "course.key"
    return {
        "sqlite": grade_and_certify(base / "sqlite", None, submissions, secret),
        "postgres": grade_and_certify(base / "postgres", postgres.url("gradebook"), submissions, secret),
        "url": postgres.url("gradebook"),
    }


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


@pytest.mark.slow
def test_grades_on_postgresql_equal_grades_on_sqlite(both):
    """Does grading the same cohort into PostgreSQL store exactly the grades SQLite stores?"""
    keys = ["learner", "module", "notebook", "grade_id"]
    sqlite, pg = (_sorted(both[k]["grades"], keys) for k in ("sqlite", "postgres"))
    assert len(pg) > 0 and set(pg["learner"]) == {"sim01", "sim02", "sim03"}
    pd.testing.assert_frame_equal(pg, sqlite, check_dtype=False)


@pytest.mark.slow
def test_certification_and_reports_from_postgresql_equal_those_from_sqlite(both):
    """Do decisions, the decisions CSV and the learner reports come out the same from PostgreSQL?"""
    columns = ["learner", "decision"]
    sqlite, pg = (both[k]["result"].summary for k in ("sqlite", "postgres"))
    pd.testing.assert_frame_equal(_sorted(pg[columns], ["learner"]), _sorted(sqlite[columns], ["learner"]))
    reports = {k: both[k]["reports"] for k in ("sqlite", "postgres")}
    csv = {
        k: (r / "decisions.csv").read_text(encoding="utf-8-sig").replace(str(r), "<reports>")
        for k, r in reports.items()
    }
    assert csv["postgres"] == csv["sqlite"]
    listed = {k: sorted(p.relative_to(r).as_posix() for p in r.rglob("*.html")) for k, r in reports.items()}
    assert listed["postgres"] == listed["sqlite"] and listed["sqlite"]


@pytest.mark.slow
def test_the_gradebook_schema_is_nbgrader_s_own_at_its_migration_head(both):
    """Is the PostgreSQL gradebook nbgrader's schema stamped at nbgrader's alembic head, plus only
    the grading ledger stamped at the course kit's own head?

    A table added later would fail this test until it comes with a migration.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, inspect, text

    from netmarketing.grading import ledger

    engine = create_engine(both["url"])
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as db:
            stamped = db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            ours = db.execute(text(f"SELECT version_num FROM {ledger.VERSION_TABLE}")).scalar_one()
    finally:
        engine.dispose()
    heads = {}
    for name, folder in (
        ("nbgrader", ALEMBIC_DIR),
        ("ours", str(Path(ledger.__file__).parent / "migrations")),
    ):
        config = Config()
        config.set_main_option("script_location", folder)
        heads[name] = ScriptDirectory.from_config(config).get_current_head()
    assert tables == set(Base.metadata.tables) | {"alembic_version", ledger.TABLE.name, ledger.VERSION_TABLE}
    assert stamped == heads["nbgrader"] and ours == heads["ours"]
