"""The grading ledger: who graded which submission, with what result, kept in the gradebook database.

Several grading runs may share one cohort — two shards on two machines (a Kubernetes
Indexed Job), or an instructor starting ``netmarketing grade`` twice. They coordinate
through this table in the gradebook database (SQLite or PostgreSQL), never through files:

- a run **claims** a submission with one conditional UPDATE (it wins only if nobody holds
  a live claim), grades it, **finishes** it (record, hash, status; the claim released), so
  each submission is graded once even when runs overlap;
- a claim older than ``STALE_AFTER`` seconds (a crashed machine) may be taken over;
- resume reads the last hash and status from here: an unchanged, finally graded
  submission is not graded again.

``results/<module>.json`` (and ``.csv``) is written from the ledger after each submission,
for people to read. The table's schema has alembic migrations
(:mod:`netmarketing.grading.migrations`), in their own history beside nbgrader's.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: Seconds after which another run may take over a claim (a machine that died mid-grading).
STALE_AFTER = 3600
#: The course kit's own alembic history, apart from nbgrader's ``alembic_version``.
VERSION_TABLE = "netmarketing_alembic_version"

TABLE = sa.Table(
    "netmarketing_grading",
    sa.MetaData(),
    sa.Column("module", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("hash", sa.String(64)),
    sa.Column("status", sa.String(32)),
    sa.Column("record", sa.Text),
    sa.Column("graded_at", sa.String(40)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claimed_at", sa.Float),
)


def upgrade(engine: sa.Engine) -> None:
    """Bring the course kit's tables in ``engine``'s database to the newest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@lru_cache(maxsize=8)
def _engine(db_url: str) -> sa.Engine:
    kwargs: dict[str, Any] = {}
    if db_url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 60}  # several workers write one SQLite file
    engine = sa.create_engine(db_url, **kwargs)
    with _schema_lock(engine):  # several runs (shards) may open a new gradebook at the same moment
        _ensure_nbgrader_schema(engine)
        upgrade(engine)
    return engine


def prepare_gradebook(db_url: str) -> None:
    """Make sure the gradebook at ``db_url`` has nbgrader's schema (stamped) and the ledger's tables."""
    _engine(db_url)


#: Key of the PostgreSQL advisory lock held while a run sets up the gradebook's schema.
SCHEMA_LOCK_KEY = 0x6E6D_6B74  # "nmkt"


@contextlib.contextmanager
def _schema_lock(engine: sa.Engine) -> Iterator[None]:
    """Hold a lock that only one process at a time gets while it creates or migrates the schema.

    Two runs starting on a new gradebook would otherwise both see no tables and both create them
    (one fails with "table already exists"). PostgreSQL: a session advisory lock. SQLite: an
    exclusive lock on a file beside the database (a SQLite gradebook is on one machine).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    import fcntl

    with open(f"{database}.schema-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_nbgrader_schema(engine: sa.Engine) -> None:
    """Create nbgrader's tables, stamped at nbgrader's migration head, before adding ours.

    nbgrader stamps ``alembic_version`` only when it opens an empty database; were the ledger's
    tables made first, the gradebook would have no stamp and ``nbgrader db upgrade`` would replay
    every migration on it. A gradebook left unstamped that way is stamped here too.
    """
    if "alembic_version" in sa.inspect(engine).get_table_names():
        return
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as db:
        Base.metadata.create_all(bind=db)
        db.execute(sa.text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
        if db.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 0:
            db.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})


def _dead_on_this_host(holder: str | None) -> bool:
    """Return whether a claim belongs to a process of this machine that no longer runs."""
    try:
        host, pid, _ = str(holder).split(":")
        if host != socket.gethostname():
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (ValueError, PermissionError):
        return False
    return False


def owner_name() -> str:
    """Return a name for this grading run: host, process and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Ledger:
    """The grading ledger of one gradebook database."""

    def __init__(self, db_url: str) -> None:
        self.engine = _engine(db_url)

    def rows(self, module: str) -> dict[str, dict[str, Any]]:
        """Return ``{student: row}`` of a module (hash, status, record as a dict, attempts, claim)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(TABLE).where(TABLE.c.module == module)).mappings().all()
        out = {}
        for row in found:
            entry = dict(row)
            entry["record"] = json.loads(row["record"]) if row["record"] else None
            out[row["student"]] = entry
        return out

    def records(self, module: str) -> dict[str, dict[str, Any]]:
        """Return ``{student: record}`` of every finished submission of a module."""
        return {s: row["record"] for s, row in self.rows(module).items() if row["record"]}

    def claim(self, module: str, student: str, owner: str, *, stale_after: float = STALE_AFTER) -> bool:
        """Claim one submission for ``owner``; return False when another live run holds it."""
        now = time.time()
        with self.engine.begin() as conn:
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(TABLE).values(module=module, student=student, attempts=0))
            except sa.exc.IntegrityError:
                pass  # the row exists: the conditional update below decides
            taken = conn.execute(
                sa.update(TABLE)
                .where(
                    TABLE.c.module == module,
                    TABLE.c.student == student,
                    sa.or_(TABLE.c.claimed_by.is_(None), TABLE.c.claimed_at < now - stale_after),
                )
                .values(claimed_by=owner, claimed_at=now, attempts=TABLE.c.attempts + 1)
            )
            if taken.rowcount == 1:
                return True
            holder = conn.execute(
                sa.select(TABLE.c.claimed_by).where(TABLE.c.module == module, TABLE.c.student == student)
            ).scalar()
            if not _dead_on_this_host(holder):
                return False
            # A run on this machine that died mid-grading: its claim needs no hour to expire.
            taken = conn.execute(
                sa.update(TABLE)
                .where(TABLE.c.module == module, TABLE.c.student == student, TABLE.c.claimed_by == holder)
                .values(claimed_by=owner, claimed_at=now, attempts=TABLE.c.attempts + 1)
            )
        return taken.rowcount == 1

    def finish(self, module: str, student: str, owner: str, record: dict[str, Any]) -> None:
        """Store a graded submission's record and release ``owner``'s claim on it."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(TABLE)
                .where(TABLE.c.module == module, TABLE.c.student == student)
                .values(
                    hash=record.get("hash"),
                    status=record.get("status"),
                    record=json.dumps(record, ensure_ascii=False, sort_keys=True),
                    graded_at=record.get("graded_at"),
                    claimed_by=None,
                    claimed_at=None,
                )
            )

    def amend(self, module: str, student: str, record: dict[str, Any]) -> bool:
        """Replace the record of a finished submission nobody is grading (manual grades applied to it).

        Only the same submission (its hash) is amended, so a newer grading is never overwritten;
        returns whether the record was replaced.
        """
        with self.engine.begin() as conn:
            done = conn.execute(
                sa.update(TABLE)
                .where(
                    TABLE.c.module == module,
                    TABLE.c.student == student,
                    TABLE.c.hash == record.get("hash"),
                    TABLE.c.claimed_by.is_(None),
                )
                .values(record=json.dumps(record, ensure_ascii=False, sort_keys=True))
            )
        return done.rowcount == 1

    def release(self, module: str, student: str, owner: str) -> None:
        """Give up ``owner``'s claim without a result (the submission is graded by the next run)."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(TABLE)
                .where(TABLE.c.module == module, TABLE.c.student == student, TABLE.c.claimed_by == owner)
                .values(claimed_by=None, claimed_at=None)
            )


def shard_of(student: str, shards: int) -> int:
    """Return the shard (1..shards) a learner belongs to: stable on every machine and run."""
    import hashlib

    return int(hashlib.sha256(student.encode("utf-8")).hexdigest(), 16) % shards + 1


def parse_shard(text: str) -> tuple[int, int]:
    """Parse ``"i/n"`` (1 <= i <= n); raise ValueError with a zh-TW message otherwise."""
    try:
        index, total = (int(part) for part in text.split("/"))
    except ValueError:
        index, total = 0, 0
    if not 1 <= index <= total:
        raise ValueError(f"--shard 應為 i/n，且 1 ≤ i ≤ n，例如 1/3；收到 {text!r} (--shard must be i/n)")
    return index, total
