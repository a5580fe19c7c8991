"""Autograde every submission of a module: sandboxed kernels, checks judged outside them, parallel, resumable.

How one run works (``grade_modules``), and where each step lives:

1. **plan** (this module, parent process): list ``submitted/<learner>/<module>/``, hash each
   submission (its files, the source notebooks and the grader settings) and skip the
   unchanged ones whose last result was final, unless ``force``;
2. **run** (:mod:`.worker` and :mod:`.run`, in a worker process per core): copy the submission into a private
   box, restore locked and graded cells from the source (:mod:`.integrity`), and execute
   each notebook in a kernel inside :mod:`.sandbox` (bubblewrap, own user id as root, no
   network, limits). Graded cells call ``submit(...)``: the kernel writes the answers into
   the box as plain data;
3. **score** (:mod:`.worker` and :mod:`.score`, after every kernel has ended): read the answers
   back as data (:mod:`netmarketing.learner.answers`), rebuild the learner's variant with
   its truth from the course secret (:mod:`.variant`), and judge each item with the
   grader's checks (:mod:`.checks`). No learner code runs in this process;
4. **store** (:mod:`.store`, parent process only): gradebook, autograded copy, answers,
   results table (:mod:`.results`) and zh-TW feedback.

When learner kernels cannot be sandboxed here, the run stops with a clear message, unless
``unsafe_no_sandbox`` is set; then every result records ``sandbox: none``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from netmarketing.grading import integrity
from netmarketing.grading.results import (
    GRADER_VERSION,
    error_record,
    load_results,
    public,
    publish_results,
    results_path,
)
from netmarketing.grading.sandbox import (
    SandboxLimits,
    isolation_problem,
    running_as_root,
)
from netmarketing.grading.worker import grade_submission

__all__ = [
    "DEFAULT_JOBS",
    "GradeOptions",
    "discover_students",
    "grade_module",
    "grade_modules",
    "grade_submission",
    "load_results",
    "results_path",
    "submission_hash",
]

#: One worker per core (kernels are CPU-bound).
DEFAULT_JOBS = max(1, min(8, os.cpu_count() or 1))
#: How learner kernels ran: own user id in bubblewrap (root), bubblewrap in a user namespace, or nothing.
SANDBOX_MODES = ("bwrap+uid", "bwrap", "none")


@dataclass
class GradeOptions:
    """Settings of one grading run."""

    jobs: int = DEFAULT_JOBS
    force: bool = False
    students: Sequence[str] | None = None
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    progress: bool = True
    feedback: bool = True
    #: Run learner code without a sandbox when none can be built (recorded as ``sandbox: none``).
    unsafe_no_sandbox: bool = False
    sandbox_base: Path | None = None
    #: Extra modules that register checks (e.g. a test fixture's); imported in every worker.
    extra_checks: Sequence[str] = ()
    #: ``(i, n)``: grade only the learners of shard i of n (1-based), e.g. one pod of an Indexed Job.
    shard: tuple[int, int] | None = None


# ==============================================================================================
# Plan (parent process)
# ==============================================================================================
def submission_hash(submission_dir: Path, sources: Iterable[Path], settings: dict[str, Any]) -> str:
    """Return a content hash of a submission, its source notebooks and the grader settings."""
    digest = hashlib.sha256(json.dumps({"v": GRADER_VERSION, **settings}, sort_keys=True).encode())
    for path in sorted(sources):
        digest.update(b"S" + path.name.encode() + b"\0" + path.read_bytes())
    if submission_dir.is_dir():
        for path in sorted(submission_dir.rglob("*")):
            rel = path.relative_to(submission_dir).as_posix()
            if ".ipynb_checkpoints" in rel:
                continue
            if path.is_symlink():
                digest.update(b"L" + rel.encode() + b"\0" + os.readlink(path).encode())
            elif path.is_file():
                digest.update(b"F" + rel.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def discover_students(
    ws: Any, module: str, students: Sequence[str] | None = None, shard: tuple[int, int] | None = None
) -> list[str]:
    """Return the students who submitted ``module`` (or the requested ones), those of ``shard`` only."""
    from netmarketing.grading.ledger import shard_of

    if shard is not None:
        index, total = shard
        return [s for s in discover_students(ws, module, students) if shard_of(s, total) == index]
    if students:
        return list(dict.fromkeys(students))
    root = Path(ws.submitted_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and (p / module).exists()
    )


def _sandbox_base(options: GradeOptions) -> Path:
    if options.sandbox_base:
        base = Path(options.sandbox_base)
    elif running_as_root() and Path("/run").is_dir() and os.access("/run", os.W_OK):
        base = Path("/run/netmarketing-grader")
    else:
        base = Path(tempfile.gettempdir()) / f"netmarketing-grader-{os.getuid()}"
    base.mkdir(parents=True, exist_ok=True)
    # Traversable but not listable: boxes are reached only by their random names.
    os.chmod(base, 0o711)
    return base


def _prepare_matplotlib_template(base: Path) -> Path:
    """Build matplotlib's font cache once, so that each kernel starts with a copy."""
    template = base / "mplconfig-template"
    if not any(template.glob("fontlist-*.json")):
        template.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, MPLCONFIGDIR=str(template))
        with contextlib.suppress(Exception):
            subprocess.run(
                [sys.executable, "-c", "import matplotlib.font_manager"],
                env=env,
                timeout=300,
                capture_output=True,
                check=False,
            )
    return template


def _protect_workspace(ws: Any) -> None:
    """Keep the gradebook and the submissions unreadable to other users."""
    for path in (Path(ws.submitted_dir), Path(ws.autograded_dir)):
        if path.is_dir():
            with contextlib.suppress(OSError):
                os.chmod(path, stat.S_IRWXU)
    db_url = str(getattr(ws, "db_url", ""))
    if db_url.startswith("sqlite:///"):
        db = Path(db_url.removeprefix("sqlite:///"))
        if db.exists():
            with contextlib.suppress(OSError):
                os.chmod(db, stat.S_IRUSR | stat.S_IWUSR)


def sandbox_mode(base: Path, *, unsafe: bool) -> str:
    """Return how learner kernels will run here (see :data:`SANDBOX_MODES`); refuse when unsafe is needed.

    Raises
    ------
    netmarketing.cli.UserError
        When no sandbox can be built and ``unsafe`` is False.
    """
    problem = isolation_problem(base)
    if problem is None:
        return "bwrap+uid" if running_as_root() else "bwrap"
    if unsafe:
        return "none"
    from netmarketing.cli import UserError

    zh, en = problem
    raise UserError(
        f"無法隔離學員的程式，因此拒絕評分：{zh}。若確定要在沒有隔離的情況下評分（學員程式會以你的身分執行），"
        f"請加上 --unsafe-no-sandbox。\n(refusing to grade: {en}. Pass --unsafe-no-sandbox to run learner "
        "code without a sandbox, as your own user.)"
    )


def grade_module(ws: Any, module: str, options: GradeOptions | None = None) -> list[dict[str, Any]]:
    """Grade every submission of ``module`` and return the records of this run.

    Parameters
    ----------
    ws : netmarketing.grading.workspace.Workspace
        The grading workspace (paths, gradebook URL, course secret, nbgrader configuration).
    module : str
        The module (nbgrader assignment) to grade, e.g. ``"01_market_analysis"``.
    options : GradeOptions, optional
        Parallelism, limits, selection of students, ``force``.

    Returns
    -------
    list of dict
        One record per submission graded in this run (skipped ones are not returned);
        all records, old and new, are in ``results/<module>.json``.
    """
    return grade_modules(ws, [module], options)


def grade_modules(
    ws: Any, modules: Sequence[str], options: GradeOptions | None = None
) -> list[dict[str, Any]]:
    """Grade every submission of several modules in ONE pool of workers; return this run's records.

    The longest submissions go first (by their last grading time, else by the size of
    their module's notebooks). Workers are fresh (spawned) interpreters, so a script
    that calls this must do so under ``if __name__ == "__main__":``.
    """
    options = options or GradeOptions()
    plans = []
    for module in modules:
        sources = [Path(p) for p in ws.source_notebooks(module)]
        if not sources:
            from netmarketing.cli import UserError

            raise UserError(
                f"單元 {module} 沒有原始筆記本（{ws.course_dir}/{module}）(no source notebooks for module)"
            )
        plans.append((module, sources))
    base = _sandbox_base(options)
    mode = sandbox_mode(base, unsafe=options.unsafe_no_sandbox)
    _protect_workspace(ws)
    variants = ws.variants()
    context = {
        "sandbox": mode,
        "base": str(base),
        "mpl_template": str(_prepare_matplotlib_template(base)),
        "secret": variants.secret.decode(),
        "cache": str(variants.cache),
        "scale": variants.scale,
        "limits": asdict(options.limits),
        "extra_checks": list(options.extra_checks),
        "stubs": _stubs(ws),
    }
    settings = {"limits": context["limits"], "sandbox": mode, "scale": variants.scale}
    from netmarketing.grading.ledger import Ledger, owner_name

    ledger, owner = Ledger(ws.db_url), owner_name()
    cohorts = [
        _Cohort.plan(ws, module, sources, options, settings, context, ledger, owner)
        for module, sources in plans
    ]
    try:
        return _run_cohorts(ws, cohorts, options, ledger, owner)
    finally:
        for cohort in cohorts:  # whatever was claimed but not finished goes back to the pool
            for task in cohort.tasks:
                ledger.release(cohort.module, task["student"], owner)


@dataclass
class _Cohort:
    """The submissions of one module to grade in this run, and the module's results so far."""

    module: str
    sources: list[Path]
    tasks: list[dict[str, Any]]

    @classmethod
    def plan(
        cls,
        ws: Any,
        module: str,
        sources: list[Path],
        options: GradeOptions,
        settings: dict[str, Any],
        context: dict[str, Any],
        ledger: Any,
        owner: str,
    ) -> _Cohort:
        rows = ledger.rows(module)
        size = sum(p.stat().st_size for p in sources)
        tasks = []
        for student in discover_students(ws, module, options.students, options.shard):
            sub_dir = Path(ws.submission_dir(student, module))
            digest = submission_hash(sub_dir, sources, settings)
            previous = rows.get(student) or {}
            if (
                not options.force
                and previous.get("hash") == digest
                and previous.get("status") not in (None, *integrity.RETRY_STATUSES)
            ):
                continue
            if not ledger.claim(module, student, owner):
                continue  # another run (another shard or machine) is grading it right now
            record = previous.get("record") or {}
            out_dir = Path(tempfile.mkdtemp(prefix="results-", dir=context["base"]))
            os.chmod(out_dir, stat.S_IRWXU)
            tasks.append(
                {
                    **context,
                    "student": student,
                    "module": module,
                    "hash": digest,
                    "submission_dir": str(sub_dir),
                    "sources": [str(p) for p in sources],
                    "out_dir": str(out_dir),
                    # Expected seconds, for longest-first scheduling (not passed on to the result).
                    "_expected": float(record.get("duration_s") or 0) or size / 10_000,
                }
            )
        if tasks:
            from netmarketing.grading.store import ensure_assignment

            ensure_assignment(ws, module, sources)
        return cls(module, sources, tasks)


def _stubs(ws: Any) -> dict[str, Any]:
    try:
        config = ws.config()
        return {
            "code_stub": dict(config.ClearSolutions.code_stub),
            "text_stub": str(config.ClearSolutions.text_stub),
        }
    except Exception:
        return {}


def _worker_start() -> None:
    """Keep a worker's imports away from any folder a submission could sit in."""
    os.chdir(tempfile.gettempdir())
    sys.path[:] = [p for p in sys.path if p and Path(p).is_absolute()]


def _run_cohorts(
    ws: Any, cohorts: Sequence[_Cohort], options: GradeOptions, ledger: Any, owner: str
) -> list[dict[str, Any]]:
    from netmarketing.grading.store import store

    by_module = {c.module: c for c in cohorts}
    tasks = sorted((t for c in cohorts for t in c.tasks), key=lambda t: -t["_expected"])
    if not tasks:
        return []
    from tqdm.auto import tqdm

    done: list[dict[str, Any]] = []
    jobs = max(1, min(options.jobs, len(tasks)))
    desc = "評分 (grading) " + ", ".join(c.module for c in cohorts if c.tasks)
    # Fresh interpreters, not forks: a fork would inherit the caller's threads and event loop.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_start) as pool:
        futures = {pool.submit(grade_submission, task): task for task in tasks}
        bar = tqdm(total=len(futures), desc=desc, unit="份", disable=not options.progress)
        for future in as_completed(futures):
            task = futures[future]
            cohort = by_module[task["module"]]
            try:
                record = future.result()
            except BaseException as exc:  # a broken worker must not stop the cohort
                record = error_record(task, exc)
            try:
                store(ws, cohort.module, record, cohort.sources, feedback=options.feedback)
            except Exception as exc:  # storing failed: keep the submission as "error" (retried next run)
                record = error_record(task, exc)
            finally:
                shutil.rmtree(task["out_dir"], ignore_errors=True)
            ledger.finish(cohort.module, record["student"], owner, public(record))
            cohort.tasks = [t for t in cohort.tasks if t is not task]
            publish_results(ws, cohort.module, ledger)
            done.append(record)
            bar.update(1)
            bar.set_postfix_str(f"{record['student']}: {record['status']}")
        bar.close()
    return done
