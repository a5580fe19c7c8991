"""A shared gradebook on a real PostgreSQL server: grading, certifying and reports give the same
results as on SQLite.

The server is Debian's PostgreSQL (``scripts/setup_system.sh`` installs it), started by the
``postgres`` fixture itself in a temporary data folder, listening on a Unix socket only, and
stopped at the end: CI starts with nothing running. ``NETMARKETING_DB_URL`` points the grader at
it, exactly as on a shared deployment.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
MODULE = "00_orientation"
BIN = Path(sys.executable).parent


class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) reachable through a socket in its own folder."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
        if not found:
            pytest.fail(
                "找不到 PostgreSQL：請以 root 執行 `make setup`（安裝 Debian 的 postgresql）"
                "(no PostgreSQL server binaries: `make setup` as root installs Debian's postgresql)"
            )
        self.bin = Path(found[-1]).parent
        # PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` account.
        self.user = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="nmt-pg-"))
        self.data = self.folder / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        if self.user:
            shutil.chown(self.folder, self.user, self.user)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=self.folder,
            user=self.user,
            group=self.user,
            check=True,
        )

    def start(self) -> None:
        self.run(
            "initdb", "-D", str(self.data), "-U", "netmarketing", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        options = f"-k {self.folder} -c listen_addresses='' -p {self.port} -c fsync=off"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        """Return the SQLAlchemy URL of ``database`` (created here when it does not exist yet)."""
        import psycopg

        with psycopg.connect(
            host=str(self.folder), port=self.port, user="netmarketing", dbname="postgres"
        ) as db:
            db.autocommit = True
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                db.execute(f'CREATE DATABASE "{database}"')
        return f"postgresql+psycopg://netmarketing@/{database}?host={self.folder}&port={self.port}"


@pytest.fixture(scope="session")
def postgres():
    """Yield a running PostgreSQL server, stopped and removed at the end of the session."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


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
    """Is the PostgreSQL gradebook exactly nbgrader's schema, stamped at nbgrader's alembic head?

    The project adds no table of its own (results and evidence are files); a table added later
    would fail this test until it comes with a migration.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(both["url"])
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as db:
            stamped = db.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert stamped == ScriptDirectory.from_config(config).get_current_head()
