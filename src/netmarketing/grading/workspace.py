"""The nbgrader workspace of the course: where every step reads and writes.

Layout (everything but ``nbgrader_config.py`` and ``roster.csv`` is git-ignored)::

    course/NN_slug/*.ipynb          nbgrader source: one folder per assignment (module)
    autograder/
      nbgrader_config.py            calls Workspace(<this folder>).configure(c)
      roster.csv                    id,first_name,last_name,email
      release/<module>/             learner copies (``netmarketing release``)
      submitted/<student>/<module>/ submissions (+ timestamp.txt)
      autograded/ feedback/         written by the autograder
      exchange/                     nbgrader exchange, unless $NETMARKETING_EXCHANGE
      gradebook.db                  SQLite, unless $NETMARKETING_DB_URL

nbgrader expects ``<root>/source/<assignment>``; instead of copying or linking,
``CourseDirectory.source_directory`` is the course folder given relative to the
root (``../course``), which nbgrader's path handling accepts as it is.

Environment (all optional, useful on a JupyterHub):

- ``NETMARKETING_DB_URL``: any SQLAlchemy URL of the gradebook, e.g.
  ``postgresql+psycopg://grader:secret@db.example/netmarketing`` for a shared
  deployment (install the driver, e.g. ``pip install "psycopg[binary]"``);
  default ``sqlite:///<root>/gradebook.db``.
- ``NETMARKETING_COURSE_ID`` (default ``kmc2431-008v1``).
- ``NETMARKETING_EXCHANGE``: nbgrader exchange root (default ``<root>/exchange``;
  on a JupyterHub typically ``/srv/nbgrader/exchange``).
- ``NETMARKETING_COURSE_DIR``: the source notebooks (default ``<root>/../course``).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from netmarketing.grading.evidence import course_modules

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from netmarketing.grading.variant import Variants

DEFAULT_COURSE_ID = "kmc2431-008v1"
ROSTER_FIELDS = ("id", "first_name", "last_name", "email")
#: Replaces solution regions in the learner copies (nbgrader's default stub, in zh-TW).
CODE_STUB = "# 請在此撰寫你的程式碼 (your code here)\nraise NotImplementedError()"
TEXT_STUB = "請在此作答 (YOUR ANSWER HERE)"


def repo_root() -> Path:
    """Return the repository that holds ``autograder/`` and ``course/``.

    The current directory and its parents are searched first (so the command works
    from any sub-folder of a checkout), then the folder this package was installed from.
    """
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "autograder").is_dir() and (candidate / "course").is_dir():
            return candidate
    return Path(__file__).resolve().parents[3]


def ensure_nbgrader_tools() -> None:
    """Put this interpreter's ``bin`` folder on ``PATH``: nbgrader runs the ``alembic`` command.

    nbgrader also runs ``alembic heads`` in a subprocess for every new gradebook; the
    answer is fixed for the installed nbgrader, so it is asked once per process.
    """
    import nbgrader.api

    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=1)(nbgrader.api.get_alembic_version)
    bin_dir = str(Path(sys.executable).parent)
    entries = os.environ.get("PATH", "").split(os.pathsep)
    found = shutil.which("alembic")
    # A relative PATH entry breaks once nbgrader changes directory, so prefer our own bin folder.
    if bin_dir not in entries and not (found and os.path.isabs(found)):
        os.environ["PATH"] = os.pathsep.join([bin_dir, *entries])


@dataclass
class Workspace:
    """Paths and nbgrader configuration of one grading workspace.

    Parameters
    ----------
    root : Path
        The ``autograder/`` folder (nbgrader's ``CourseDirectory.root``).
    course_dir : Path, optional
        The nbgrader source folder; default ``$NETMARKETING_COURSE_DIR`` or ``root/../course``.
    db_url : str, optional
        SQLAlchemy URL of the gradebook; default ``$NETMARKETING_DB_URL`` or SQLite in ``root``.

    Examples
    --------
    >>> ws = Workspace.default()                       # doctest: +SKIP
    >>> ws.generate("01_market_analysis")              # doctest: +SKIP
    >>> with ws.gradebook() as gb:                     # doctest: +SKIP
    ...     gb.find_student("s001")
    """

    root: Path
    course_dir: Path | None = None
    db_url: str | None = None
    course_id: str | None = None

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        if self.course_dir is None:
            env_course = os.environ.get("NETMARKETING_COURSE_DIR")
            self.course_dir = Path(env_course) if env_course else self.root.parent / "course"
        self.course_dir = Path(self.course_dir).resolve()
        if self.db_url is None:
            self.db_url = os.environ.get("NETMARKETING_DB_URL") or f"sqlite:///{self.root / 'gradebook.db'}"
        if self.course_id is None:
            self.course_id = os.environ.get("NETMARKETING_COURSE_ID") or DEFAULT_COURSE_ID

    @classmethod
    def default(cls) -> Workspace:
        """Return the workspace of the repository (``<repo>/autograder``)."""
        return cls(repo_root() / "autograder")

    # -- paths ------------------------------------------------------------------
    @property
    def release_dir(self) -> Path:
        return self.root / "release"

    @property
    def submitted_dir(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded_dir(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback_dir(self) -> Path:
        return self.root / "feedback"

    @property
    def exchange_dir(self) -> Path:
        return Path(os.environ.get("NETMARKETING_EXCHANGE") or self.root / "exchange")

    @property
    def roster_path(self) -> Path:
        return self.root / "roster.csv"

    def modules(self) -> list[str]:
        """Return the assignment names (course module folders), in course order."""
        assert self.course_dir is not None
        return [p.name for p in course_modules(self.course_dir)] if self.course_dir.is_dir() else []

    def source_notebooks(self, module: str) -> list[Path]:
        """Return the source notebooks of one module."""
        assert self.course_dir is not None
        return sorted((self.course_dir / module).glob("*.ipynb"))

    def submission_dir(self, student_id: str, module: str) -> Path:
        """Return ``submitted/<student>/<module>/``."""
        return self.submitted_dir / student_id / module

    def autograded_notebook(self, student_id: str, module: str, notebook: str) -> Path:
        """Return the autograded copy of one notebook (``notebook`` without ``.ipynb``)."""
        return self.autograded_dir / student_id / module / f"{notebook}.ipynb"

    # -- nbgrader ------------------------------------------------------------------
    def _source_directory(self) -> str:
        assert self.course_dir is not None
        try:
            return os.path.relpath(self.course_dir, self.root)
        except ValueError:  # another drive on Windows
            return str(self.course_dir)

    def configure(self, c: Config) -> Config:
        """Write this workspace into an nbgrader ``Config`` (used by ``autograder/nbgrader_config.py``)."""
        c.CourseDirectory.root = str(self.root)
        c.CourseDirectory.source_directory = self._source_directory()
        c.CourseDirectory.course_id = self.course_id
        c.CourseDirectory.db_url = self.db_url
        c.Exchange.root = str(self.exchange_dir)
        c.ClearSolutions.code_stub = {"python": CODE_STUB}
        c.ClearSolutions.text_stub = TEXT_STUB
        # A deleted test cell comes back from the master copy instead of silently scoring 0.
        c.OverwriteCells.add_missing_cells = True
        return c

    def config(self) -> Config:
        """Return a fresh nbgrader ``Config`` for this workspace."""
        from traitlets.config import Config

        return self.configure(Config())

    def api(self, config: Config | None = None) -> NbGraderAPI:
        """Return nbgrader's Python API bound to this workspace (``config`` is merged on top)."""
        from nbgrader.apps import NbGraderAPI

        ensure_nbgrader_tools()
        merged = self.config()
        if config is not None:
            merged.merge(config)
        return NbGraderAPI(config=merged)

    @contextlib.contextmanager
    def gradebook(self) -> Iterator[Gradebook]:
        """Open the gradebook (created on first use) and close it afterwards."""
        from nbgrader.api import Gradebook

        ensure_nbgrader_tools()
        if self.db_url.startswith("sqlite:///"):
            Path(self.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        gb = Gradebook(self.db_url, course_id=self.course_id)
        try:
            yield gb
        finally:
            gb.close()

    def generate(self, module: str, *, force: bool = True) -> Path:
        """Generate the learner copy of one module into ``release/<module>/`` and return that folder.

        Raises
        ------
        RuntimeError
            With nbgrader's log when generation fails (e.g. a solution region in a
            cell that is not a solution cell).
        """
        assert self.course_dir is not None
        if not (self.course_dir / module).is_dir():
            raise FileNotFoundError(f"找不到單元 {module!r}（{self.course_dir}）(unknown module)")
        result = self.api().generate_assignment(module, force=force)
        if not result["success"]:
            raise RuntimeError(
                f"無法產生單元 {module} 的學員版本 (generate_assignment failed):\n{result.get('log', '')}"
            )
        return self.release_dir / module

    def variants(self) -> Variants:
        """Return the learners' variants of this workspace (the course secret is created on first use)."""
        from netmarketing.grading.variant import Variants

        return Variants.of_workspace(self.root)

    @property
    def learner_data_dir(self) -> Path:
        """Return the folder ``netmarketing data release`` writes learner data folders into."""
        return self.root / "learner-data"

    def import_roster(self, path: Path | None = None) -> int:
        """Create or update the learners of a roster CSV (``id,first_name,last_name,email``) in the gradebook.

        Returns the number of learners imported.
        """
        rows = read_roster(path or self.roster_path)
        with self.gradebook() as gb:
            for row in rows:
                student_id = row.pop("id")
                gb.update_or_create_student(student_id, **row)
        return len(rows)


def read_roster(path: Path) -> list[dict[str, str]]:
    """Return the rows of a roster CSV; raise ``ValueError`` (zh-TW) on a malformed file."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [f for f in ROSTER_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"名單 {path} 缺少欄位 {missing}（需要 {', '.join(ROSTER_FIELDS)}）(roster columns missing)"
            )
        rows = []
        for line_no, row in enumerate(reader, start=2):
            student_id = (row.get("id") or "").strip()
            if not student_id:
                raise ValueError(f"名單 {path} 第 {line_no} 行沒有 id (row without id)")
            rows.append({f: (row.get(f) or "").strip() or None for f in ROSTER_FIELDS} | {"id": student_id})
    return rows


def write_roster(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write a roster CSV (``id,first_name,last_name,email``) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=ROSTER_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
