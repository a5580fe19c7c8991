"""Autograde every submission of a module: sandboxed kernels, checks judged outside them, parallel, resumable.

How one run works (``grade_modules``), and where each step lives:

1. **plan** (this module, parent process): list ``submitted/<learner>/<module>/``, hash each
   submission (its files, the source notebooks and the grader settings) and skip the
   unchanged ones whose last result was final, unless ``force``;
2. **run** (:mod:`.run`, in a worker process per core): copy the submission into a private
   box, restore locked and graded cells from the source (:mod:`.integrity`), and execute
   each notebook in a kernel inside :mod:`.sandbox` (bubblewrap, own user id as root, no
   network, limits). Graded cells call ``submit(...)``: the kernel writes the answers into
   the box as plain data;
3. **score** (:mod:`.score`, same worker, after every kernel has ended): read the answers
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
import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from netmarketing.grading import integrity
from netmarketing.grading.integrity import Issue, worst_status
from netmarketing.grading.results import (
    GRADER_VERSION,
    error_record,
    finish,
    load_results,
    public,
    results_path,
    save_results,
)
from netmarketing.grading.sandbox import (
    DATA_MOUNT,
    SANDBOX_UID_BASE,
    Sandbox,
    SandboxLimits,
    isolation_problem,
    kill_user_processes,
    running_as_root,
)

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


def discover_students(ws: Any, module: str, students: Sequence[str] | None = None) -> list[str]:
    """Return the students who submitted ``module`` (or the requested ones, submitted or not)."""
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
    with contextlib.ExitStack() as locks:
        for module, _ in plans:
            locks.enter_context(_module_lock(ws, module))
        cohorts = [_Cohort.plan(ws, module, sources, options, settings, context) for module, sources in plans]
        return _run_cohorts(ws, cohorts, options)


@contextlib.contextmanager
def _module_lock(ws: Any, module: str) -> Iterator[None]:
    """Hold an exclusive lock on a module's results while grading it (two runs must not interleave)."""
    path = results_path(ws, module).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            from netmarketing.cli import UserError

            raise UserError(
                f"單元 {module} 正在由另一個評分程序處理，請稍後再試 (another grading run holds {path})"
            ) from None
        yield


@dataclass
class _Cohort:
    """The submissions of one module to grade in this run, and the module's results so far."""

    module: str
    sources: list[Path]
    records: dict[str, dict[str, Any]]
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
    ) -> _Cohort:
        records = load_results(ws, module)
        size = sum(p.stat().st_size for p in sources)
        tasks = []
        for student in discover_students(ws, module, options.students):
            sub_dir = Path(ws.submission_dir(student, module))
            digest = submission_hash(sub_dir, sources, settings)
            previous = records.get(student)
            if (
                not options.force
                and previous
                and previous.get("hash") == digest
                and previous.get("status") not in integrity.RETRY_STATUSES
            ):
                continue
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
                    "_expected": float((previous or {}).get("duration_s") or 0) or size / 10_000,
                }
            )
        if tasks:
            from netmarketing.grading.store import ensure_assignment

            ensure_assignment(ws, module, sources)
        return cls(module, sources, records, tasks)


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


def _run_cohorts(ws: Any, cohorts: Sequence[_Cohort], options: GradeOptions) -> list[dict[str, Any]]:
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
            cohort.records[record["student"]] = public(record)
            save_results(ws, cohort.module, cohort.records)
            done.append(record)
            bar.update(1)
            bar.set_postfix_str(f"{record['student']}: {record['status']}")
        bar.close()
    return done


# ==============================================================================================
# One submission (worker process)
# ==============================================================================================
_SLOT_HANDLE: Any = None
_SLOT: int | None = None


def _claim_slot(base: Path) -> int:
    """Return this worker's slot (a sandbox user id offset), held with a file lock for its lifetime."""
    global _SLOT_HANDLE, _SLOT
    if _SLOT is not None:
        return _SLOT
    slots = base / "slots"
    slots.mkdir(exist_ok=True)
    for n in range(256):
        handle = open(slots / f"{n}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _SLOT_HANDLE, _SLOT = handle, n
        return n
    raise RuntimeError("no free sandbox slot")


def _make_box(base: Path, uid: int | None) -> Path:
    """Create a submission's box: root-owned, with the parts the kernel may write owned by its user.

    The kernel cannot replace ``collected/`` (where its answers are read from) with a link,
    because it cannot write to the box itself.
    """
    box = Path(tempfile.mkdtemp(prefix="box-", dir=base))
    os.chmod(box, 0o711)
    for part in ("work", "home", "run", "collected", "tmp"):
        (box / part).mkdir()
    if uid is not None:
        for part in ("work", "home", "run"):
            os.chown(box / part, uid, uid)
    return box


def _kernel_env(task: dict[str, Any], box: Path, data: Path, sandboxed: bool) -> dict[str, str]:
    """Return a minimal kernel environment: the learner's id and data, no grader secrets."""
    from netmarketing.grading.identity import kernel_env_for

    home = box / "home"
    mpl = home / ".config" / "matplotlib"
    shutil.copytree(task["mpl_template"], mpl, dirs_exist_ok=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLCONFIGDIR": str(mpl),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "IPYTHONDIR": str(home / ".ipython"),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "TMPDIR": "/tmp" if sandboxed else str(box / "tmp"),
        "NETMARKETING_DATA": DATA_MOUNT if sandboxed else str(data),
    }
    return kernel_env_for(task["student"], base=env)


def grade_submission(task: dict[str, Any]) -> dict[str, Any]:
    """Grade one submission and return its record (runs in a worker process).

    Never raises for anything the submission does; only a failure of the grader itself
    escapes (and is recorded as status ``error`` by the parent).
    """
    from netmarketing.grading.checks import Variant, load_checks
    from netmarketing.grading.run import KernelRun, copy_submission, locate_notebooks
    from netmarketing.grading.variant import Variants

    started = time.monotonic()
    limits = SandboxLimits(**task["limits"])
    base = Path(task["base"])
    mode = task["sandbox"]
    uid = SANDBOX_UID_BASE + _claim_slot(base) if mode == "bwrap+uid" else None
    record: dict[str, Any] = {
        "student": task["student"],
        "module": task["module"],
        "hash": task["hash"],
        "sandbox": mode,
        "notebooks": {},
        "issues": [],
    }
    if uid is not None:
        kill_user_processes(uid)  # leftovers of a previous submission on this slot
    box = _make_box(base, uid)
    sandbox = None
    try:
        files, copy_issues = copy_submission(Path(task["submission_dir"]), box / "work")
        if uid is not None:
            for path in [box / "work", *(box / "work").rglob("*")]:
                os.lchown(path, uid, uid)
        record["issues"] += [i.as_dict() for i in copy_issues]
        variants = Variants(task["secret"].encode(), Path(task["cache"]), task["scale"])
        data = variants.data_folder(task["student"])
        if mode != "none":
            sandbox = Sandbox(box, limits, uid=uid, data=data)
            sandbox.make_cgroup(box.name)
        run = KernelRun(box, limits, sandbox, uid)
        env = _kernel_env(task, box, data, sandboxed=sandbox is not None)
        if uid is not None:
            for path in [box / "home", *(box / "home").rglob("*")]:
                os.lchown(path, uid, uid)
        deadline = started + limits.notebook_budget
        sources = [Path(p) for p in task["sources"]]
        located, locate_issues = locate_notebooks(sources, files, box / "work")
        record["issues"] += [i.as_dict() for i in locate_issues]
        runs = {}
        for source in sources:
            outcome = _run_notebook(task, source, located.get(source.stem), run, env, deadline, variants)
            runs[source.stem] = outcome
            record["issues"] += [i.as_dict() for i in outcome["issues"]]
        if uid is not None:
            kill_user_processes(uid)  # nothing of the learner's may still run while answers are read
        # Scoring: every kernel has ended; this process never ran learner code.
        load_checks(task.get("extra_checks", ()))
        world = variants.world(task["student"])
        variant = Variant(task["student"], world.tables, world.truth)
        for name, outcome in runs.items():
            record["notebooks"][name] = _score_outcome(task, name, outcome, box, variant)
    finally:
        if uid is not None:
            kill_user_processes(uid)
        if sandbox is not None:
            sandbox.remove_cgroup()
        shutil.rmtree(box, ignore_errors=True)
    record["duration_s"] = round(time.monotonic() - started, 2)
    return finish(record)


def _run_notebook(
    task: dict[str, Any],
    source_path: Path,
    submitted: Path | None,
    run: Any,
    env: dict[str, str],
    deadline: float,
    variants: Any,
) -> dict[str, Any]:
    """Merge one submitted notebook with its source and execute it; return what scoring needs."""
    import nbformat
    from traitlets.config import Config

    from netmarketing.grading.identity import identity_issues
    from netmarketing.grading.run import execute, output_issues, read_notebook

    name = source_path.stem
    source_nb = nbformat.read(str(source_path), as_version=4)
    config = Config()
    if task.get("stubs"):
        config.ClearSolutions.code_stub = task["stubs"]["code_stub"]
        config.ClearSolutions.text_stub = task["stubs"]["text_stub"]
    release_nb = integrity.release_version(source_nb, config)
    outcome: dict[str, Any] = {"source": source_nb, "release": release_nb, "executed": None, "issues": []}
    if submitted is None:
        outcome["status"] = "missing"
        outcome["issues"].append(
            Issue(
                "missing_notebook",
                "missing",
                f"找不到作業筆記本 {name}.ipynb（檔名需與發下的相同）",
                f"notebook {name}.ipynb not found in the submission",
                name,
            )
        )
        return outcome
    submitted_nb, issues = read_notebook(submitted, name)
    outcome["issues"] += issues
    if submitted_nb is None:
        outcome["status"] = "corrupt"
        return outcome
    outcome["issues"] += identity_issues(submitted_nb, task["student"], variants.label(task["student"]), name)
    merged, merge_issues = integrity.merge_submission(source_nb, release_nb, submitted_nb, name)
    outcome["issues"] += merge_issues
    collected = run.box / "collected" / name
    collected.mkdir()
    if run.uid is not None:
        os.chown(collected, run.uid, run.uid)
    outcome["issues"] += execute(merged, run, dict(env, NETMARKETING_ANSWERS=str(collected)), deadline, name)
    outcome["issues"] += output_issues(merged, name, run.limits)
    outcome["executed"] = merged
    return outcome


def _score_outcome(
    task: dict[str, Any], name: str, outcome: dict[str, Any], box: Path, variant: Any
) -> dict[str, Any]:
    """Score one executed notebook and keep its copy and its answers (as clean data) for the parent."""
    import nbformat

    from netmarketing.grading.score import score_notebook, ungraded
    from netmarketing.learner.answers import AnswerError, read_folder, write_item

    merged = outcome["executed"]
    if merged is None:
        return {"status": outcome.get("status"), "grades": ungraded(outcome["source"])}
    answers, problems = read_folder(box / "collected" / name)
    grades = score_notebook(merged, outcome["release"], answers, problems, variant)
    out = Path(task["out_dir"])
    kept = out / "answers" / name
    kept.mkdir(parents=True, exist_ok=True)
    for grade_id, values in answers.items():
        with contextlib.suppress(AnswerError, OSError, ValueError):
            write_item(kept, grade_id, values)  # re-written by the grader: only data it has read
    for cell in merged.cells:
        cell.setdefault("id", os.urandom(4).hex())
    merged.nbformat_minor = max(5, int(merged.get("nbformat_minor", 5) or 5))
    path = out / f"{name}.ipynb"
    nbformat.write(merged, str(path))
    issues = [i.as_dict() for i in outcome["issues"]]
    return {
        "status": worst_status(issues),
        "grades": grades,
        "_executed": str(path),
        "_answers": str(kept),
    }
