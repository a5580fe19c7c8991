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
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netmarketing.grading.evidence import course_modules
from netmarketing.grading.formgrader import configure_formgrader
from netmarketing.grading.validator_texts import configure_validator

if TYPE_CHECKING:
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from netmarketing.grading.variant import Variants

DEFAULT_COURSE_ID = "kmc2431-008v1"
ROSTER_FIELDS = ("id", "first_name", "last_name", "email")
#: Replaces solution regions in the learner copies. The bare ``raise NotImplementedError()`` is what
#: :mod:`netmarketing.learner.handin` recognises; :meth:`Workspace.generate` writes the exercise's
#: name above it, and the learner's kernel then says in zh-TW which exercise is not answered yet.
CODE_STUB = "raise NotImplementedError()  # 請把這一行換成你的程式碼 (replace this line with your code)"
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
        # nbgrader's own autograde (formgrader's button, `nbgrader autograde`) runs our pipeline
        # (see netmarketing.grading.nbgrader_bridge); import strings keep this file quick to load.
        c.Autograde.sanitize_preprocessors = ["netmarketing.grading.nbgrader_bridge.PassThrough"]
        c.Autograde.autograde_preprocessors = ["netmarketing.grading.nbgrader_bridge.TrustedAutograde"]
        configure_validator(c)
        configure_formgrader(c, self)  # rubrics, flags and the course's feedback in formgrader
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
        from netmarketing.grading.ledger import prepare_gradebook

        prepare_gradebook(self.db_url)  # one process at a time creates the schema of a new gradebook
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
        for notebook in sorted((self.release_dir / module).glob("*.ipynb")):
            prepare_learner_copy(notebook)
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


def exercise_of(cells: list, index: int) -> str | None:
    """Return the exercise an answer cell belongs to: that of the next ``submit(...)``, else the last 練習 heading.

    The exercise of a grade id comes from the learner items (``練習 1（0-1）``); a heading
    (``### 練習 1：訂單有幾筆？`` gives ``練習 1``) names the exercise of a module without items.
    """
    from netmarketing.learner import items

    for cell in cells[index + 1 :]:
        found = _SUBMIT_RE.search(_source(cell)) if cell.get("cell_type") == "code" else None
        if found:
            item = items.find(found["grade_id"])
            if item is not None:
                return item.exercise
            break
    for cell in reversed(cells[:index]):
        if cell.get("cell_type") == "markdown":
            for line in reversed(_source(cell).splitlines()):
                heading = _HEADING_RE.match(line)
                if heading:
                    return heading["exercise"]
    return None


def prepare_learner_copy(notebook: Path) -> None:
    """Finish one released notebook for learners (the sources stay as authored).

    - each unanswered code stub is told its exercise (:func:`name_exercises`);
    - ``language_info`` is what the learner's Python kernel reports, so that merely opening
      the notebook does not mark it as changed (JupyterLab writes the kernel's language info
      into a notebook whose metadata differs, and then asks to save on closing).
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=nbformat.NO_CONVERT)
    named = name_exercises(nb)
    language = kernel_language_info()
    if named or (language and nb.metadata.get("language_info") != language):
        if language and nb.metadata.get("kernelspec", {}).get("language", "python") == "python":
            nb.metadata["language_info"] = language
        nbformat.write(nb, str(notebook))


def kernel_language_info() -> dict | None:
    """Return the ``language_info`` this machine's Python kernel (ipykernel) reports, or None without it."""
    try:
        from ipykernel.ipkernel import IPythonKernel
    except ImportError:  # pragma: no cover - ipykernel comes with JupyterLab
        return None
    return dict(IPythonKernel.language_info)


def name_exercises(nb: Any) -> int:
    """Write, above each unanswered code stub of a learner copy, which exercise it is; return how many.

    nbgrader's code stub is one string for every answer cell; only the released copy learns its
    exercise (``# 練習 1（0-1）作答區``), so the sources stay as authored. Written answers keep
    nbgrader's text stub: the grader tells an unanswered one by comparing with it.
    """
    from netmarketing.learner.handin import EXERCISE_LINE, STUB_RAISE

    cells = nb.cells
    named = 0
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        lines = _source(cell).splitlines(keepends=True)
        stub = next((i for i, line in enumerate(lines) if line.startswith(STUB_RAISE)), None)
        if cell.get("cell_type") != "code" or not meta.get("solution") or stub is None:
            continue
        exercise = exercise_of(cells, index)
        label = EXERCISE_LINE.format(exercise=exercise) + "\n" if exercise else None
        if label is None or (stub > 0 and lines[stub - 1] == label):
            continue
        cell["source"] = "".join([*lines[:stub], label, *lines[stub:]])
        named += 1
    return named


_SUBMIT_RE = re.compile(r"""\bsubmit\(\s*["'](?P<grade_id>[^"']+)["']""")
_HEADING_RE = re.compile(r"^#{1,6}\s*(?P<exercise>練習\s*[0-9０-９.\-]+)")


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


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
