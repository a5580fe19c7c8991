"""Do grading runs coordinate through the gradebook database: claims, resume, shards, migrations?"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from netmarketing.grading.ledger import Ledger, owner_name, parse_shard, shard_of


def _ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'gb.db'}")


def test_one_claim_wins_and_a_finished_record_frees_it(tmp_path):
    """Does a second run fail to claim a submission another live run holds, and succeed once it is finished?"""
    ledger = _ledger(tmp_path)
    assert ledger.claim("01_x", "s1", "hostA:1:a")
    assert not ledger.claim("01_x", "s1", "hostB:2:b")
    ledger.finish("01_x", "s1", "hostA:1:a", {"student": "s1", "hash": "h1", "status": "graded"})
    row = ledger.rows("01_x")["s1"]
    assert (row["hash"], row["status"], row["claimed_by"], row["attempts"]) == ("h1", "graded", None, 1)
    assert ledger.records("01_x") == {"s1": {"student": "s1", "hash": "h1", "status": "graded"}}
    assert ledger.claim("01_x", "s1", "hostB:2:b")


def test_stale_and_dead_claims_are_taken_over(tmp_path):
    """Is a claim older than the stale limit, or held by a dead process of this machine, taken over?"""
    import socket

    ledger = _ledger(tmp_path)
    assert ledger.claim("01_x", "s1", "far-away-host:1:a")
    assert not ledger.claim("01_x", "s1", "me:2:b", stale_after=3600)
    assert ledger.claim("01_x", "s1", "me:2:b", stale_after=-1)  # older than "now + 1 s": stale
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    assert ledger.claim("01_x", "s2", f"{socket.gethostname()}:{dead.stdout.strip()}:c")
    assert ledger.claim("01_x", "s2", owner_name())  # that process is gone
    assert not ledger.claim("01_x", "s2", owner_name())  # this one is alive


def _versions(db: Path) -> tuple[set[str], str | None, str | None]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        ours = conn.execute(sa.text("select version_num from netmarketing_alembic_version")).scalar()
        theirs = conn.execute(sa.text("select version_num from alembic_version")).scalar()
    engine.dispose()
    return tables, ours, theirs


def _nbgrader_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def test_schema_has_its_own_migration_history_and_leaves_nbgrader_s_stamped(tmp_path):
    """Made before nbgrader ever opened the gradebook, is the ledger recorded in the kit's own
    version table, and nbgrader's schema still stamped at nbgrader's head (so `nbgrader db upgrade` works)?"""
    from nbgrader.api import Gradebook

    _ledger(tmp_path)
    tables, ours, theirs = _versions(tmp_path / "gb.db")
    assert {"netmarketing_grading", "netmarketing_alembic_version", "student"} <= tables
    assert ours == "0001" and theirs == _nbgrader_head()
    with Gradebook(f"sqlite:///{tmp_path / 'gb.db'}", course_id="c") as gb:  # nbgrader opens it as its own
        gb.add_student("s1")
    assert _versions(tmp_path / "gb.db")[2] == _nbgrader_head()


def test_a_gradebook_left_unstamped_is_stamped(tmp_path):
    """Is a gradebook whose nbgrader stamp is missing (made by an older kit) stamped at nbgrader's head?"""
    _ledger(tmp_path)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'gb.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("drop table alembic_version"))
    engine.dispose()
    from netmarketing.grading.ledger import _engine

    _engine.cache_clear()
    _ledger(tmp_path)
    assert _versions(tmp_path / "gb.db")[2] == _nbgrader_head()


def test_shards_split_every_learner_once():
    """Is each learner in exactly one of n shards, the same on every call, and is a bad --shard refused in zh-TW?"""
    students = [f"s{i:03d}" for i in range(200)]
    for n in (1, 2, 3, 7):
        groups = [{s for s in students if shard_of(s, n) == i} for i in range(1, n + 1)]
        assert sum(len(g) for g in groups) == len(students) and set().union(*groups) == set(students)
        assert all(groups) or n > len(students)
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "a/b", "3"):
        with pytest.raises(ValueError, match="--shard"):
            parse_shard(bad)


_spec = importlib.util.spec_from_file_location(
    "hostile", Path(__file__).parent / "fixtures" / "submissions" / "hostile.py"
)
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)


def run_shards(ws, shards: list[str], env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    """Start one `netmarketing grade` per shard at once and wait for all of them."""
    netmarketing = Path(sys.executable).parent / "netmarketing"
    procs = [
        subprocess.Popen(
            [
                str(netmarketing),
                "grade",
                hostile.MODULE,
                "--quiet",
                "--jobs",
                "1",
                "--course",
                str(ws.course_dir),
                "--autograder",
                str(ws.root),
                *(["--shard", s] if s else []),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in shards
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def cohort_of(tmp_path: Path, n: int):
    from netmarketing.grading.workspace import Workspace

    hostile.make_course(tmp_path / "course")
    ws = Workspace(
        tmp_path / "autograder", course_dir=tmp_path / "course", db_url=os.environ.get("TEST_DB_URL")
    )
    ws.root.mkdir()
    ws.generate(hostile.MODULE)
    release = hostile._release(ws.release_dir)
    for i in range(n):
        student = f"learner{i:02d}"
        folder = ws.submission_dir(student, hostile.MODULE)
        folder.mkdir(parents=True)
        (folder / f"{hostile.NOTEBOOK}.ipynb").write_text(
            json.dumps(hostile._solved(release, student)), encoding="utf-8"
        )
    return ws


@pytest.mark.slow
@pytest.mark.parametrize(
    ("shards", "database"),
    [(["1/2", "2/2"], "sqlite"), (["", ""], "sqlite"), (["1/2", "2/2"], "postgresql")],
    ids=["two-shards", "two-overlapping-runs", "two-shards-postgresql"],
)
def test_concurrent_runs_grade_every_submission_once(tmp_path, shards, database, request, monkeypatch):
    """Run at the same time (two shards, or two plain runs), on one SQLite file or one PostgreSQL
    gradebook, is every submission graded exactly once and none lost?"""
    extra = {}
    if database == "postgresql":
        url = request.getfixturevalue("postgres").url(f"shards_{os.getpid()}")
        monkeypatch.setenv("TEST_DB_URL", url)
        extra["NETMARKETING_DB_URL"] = url
    ws = cohort_of(tmp_path, 6)
    env = {
        **os.environ,
        **extra,
        "NETMARKETING_SCALE": "0.05",
        "NETMARKETING_EXTRA_CHECKS": hostile.CHECKS,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    started = time.monotonic()
    for done in run_shards(ws, shards, env):
        assert done.returncode == 0, done.stderr[-2000:]
    rows = Ledger(ws.db_url).rows(hostile.MODULE)
    assert sorted(rows) == [f"learner{i:02d}" for i in range(6)]
    assert all(row["attempts"] == 1 and row["status"] == "graded" for row in rows.values()), rows
    results = json.loads((ws.root / "results" / f"{hostile.MODULE}.json").read_text(encoding="utf-8"))
    assert len(results["submissions"]) == 6
    assert time.monotonic() - started < 900


class _LedgerWithARunFinishingMeanwhile:
    """A ledger where another run records its finish while this run writes the results table."""

    def __init__(self) -> None:
        self.state = {"s1": {"student": "s1", "status": "graded", "reason_zh": "", "reason_en": ""}}
        self.reads = 0

    def records(self, module: str) -> dict:
        self.reads += 1
        if self.reads == 2:  # the other shard finished s2 between our read and our write
            self.state = {
                **self.state,
                "s2": {"student": "s2", "status": "graded", "reason_zh": "", "reason_en": ""},
            }
        return dict(self.state)


def test_results_table_ends_with_every_finish_even_when_shards_publish_at_once(tmp_path):
    """When another run finishes while this one writes, does the table end up holding both learners?"""
    from types import SimpleNamespace

    from netmarketing.grading.results import load_results, publish_results

    ws = SimpleNamespace(root=tmp_path)
    publish_results(ws, "01_x", _LedgerWithARunFinishingMeanwhile())
    assert sorted(load_results(ws, "01_x")) == ["s1", "s2"]
    assert "s2" in (tmp_path / "results" / "01_x.csv").read_text(encoding="utf-8")
    assert not list((tmp_path / "results").glob("*.tmp"))


_OPEN = """
import sys
from netmarketing.grading.ledger import prepare_gradebook
prepare_gradebook(sys.argv[1])
"""


def test_a_run_waits_while_another_sets_up_a_new_gradebook(tmp_path):
    """While one run holds the schema lock of a new gradebook, does another wait instead of creating the
    same tables (two shards starting together failed with "table already exists"), then finish?"""
    from netmarketing.grading.ledger import _schema_lock

    url = f"sqlite:///{tmp_path / 'gb.db'}"
    engine = sa.create_engine(url)
    with _schema_lock(engine):
        other = subprocess.Popen([sys.executable, "-c", _OPEN, url], stderr=subprocess.PIPE, text=True)
        time.sleep(4)  # long enough to import and create everything, were it not waiting
        assert other.poll() is None and not sa.inspect(engine).get_table_names()
    assert other.wait(timeout=120) == 0, other.stderr.read()[-2000:]
    engine.dispose()
    tables, ours, theirs = _versions(tmp_path / "gb.db")
    assert {"netmarketing_grading", "student"} <= tables
    assert ours == "0001" and theirs == _nbgrader_head()
