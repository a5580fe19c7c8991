"""Autograde every submission of a module: isolated, limited, parallel, resumable, never losing one.

How one cohort run works (``grade_module``):

1. the grader process (the *parent*) lists ``submitted/<student>/<module>/`` and hashes
   each submission (files + source notebooks + grader settings); unchanged submissions
   whose last result was final are skipped unless ``force``;
2. each remaining submission is graded by a *worker* process (a pool of ``jobs``
   processes). The worker never runs learner code itself: it copies the submission's
   regular files into a private sandbox folder, merges each submitted notebook with
   its source notebook (:mod:`.integrity`: locked and test cells restored, hidden tests
   put back, edits flagged), and executes the merged notebook in a kernel forked warm from
   the worker's fork server (:mod:`.warmkernel`) or started cold, either way behind
   :mod:`.sandbox` (own user id, hidden gradebook/submissions/sources, no
   network, memory and CPU limits, killed with its process group when the per-cell
   timeout cannot interrupt it or the whole-submission budget is spent). Output is
   capped while the kernel produces it. A final "canary" test that must fail checks
   that learner code did not disable error reporting;
3. the worker returns scores and issues as plain data; only the parent writes the
   gradebook (nbgrader's Gradebook API), ``autograded/``, the results table
   ``results/<module>.json`` (+ ``.csv``) and the zh-TW feedback.

Statuses (most severe first): ``error`` (grader failure, retried on the next run),
``corrupt``, ``missing``, ``killed``, ``crashed``, ``memory``, ``timeout``, ``flagged``,
``graded``. Each record carries ``reason_zh`` and ``reason_en``.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import fcntl
import hashlib
import json
import multiprocessing
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netmarketing.grading import integrity
from netmarketing.grading.integrity import Issue, worst_status
from netmarketing.grading.sandbox import (
    SANDBOX_UID_BASE,
    SandboxLimits,
    can_isolate,
    kill_process_group,
    kill_user_processes,
    make_kernel_manager,
    probe_isolation,
    sandbox_options,
)

GRADER_VERSION = "1"
#: One worker per core (kernels are CPU-bound). Measured on 2 cores with 01_market_analysis and 30
#: learners (bench/bench_cohort.py): --jobs 2 took 294 s, --jobs 1 565 s, plain serial nbgrader 776 s.
DEFAULT_JOBS = max(1, min(8, os.cpu_count() or 1))
MAX_NOTEBOOK_MB = 50
MAX_SUBMISSION_MB = 200
MAX_RESTARTS = 3
#: Synthetic errors of cells the grader did not run (a canary with one of these proves nothing).
_NOT_RUN_ENAMES = ("BudgetExceeded", "TooManyRestarts")
#: Seconds to wait for a kernel to answer after an interrupt before it is killed.
INTERRUPT_GRACE = 5


@dataclass
class GradeOptions:
    """Settings of one cohort run."""

    jobs: int = DEFAULT_JOBS
    force: bool = False
    students: Sequence[str] | None = None
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    progress: bool = True
    feedback: bool = True
    isolate: bool | None = None  # None: isolate whenever possible (root on Linux)
    sandbox_base: Path | None = None
    cache_dir: Path | None = None


# ==============================================================================================
# Parent: the cohort
# ==============================================================================================
def results_path(ws: Any, module: str) -> Path:
    """Return the results table (JSON) of a module."""
    return Path(ws.root) / "results" / f"{module}.json"


def load_results(ws: Any, module: str) -> dict[str, dict[str, Any]]:
    """Return ``{student: record}`` of the last runs of a module (empty when never graded)."""
    path = results_path(ws, module)
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("submissions", {})


def _save_results(ws: Any, module: str, records: dict[str, dict[str, Any]]) -> None:
    path = results_path(ws, module)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"module": module, "grader_version": GRADER_VERSION, "submissions": records}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    with open(path.with_suffix(".csv"), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "status", "score", "max_score", "reason_zh", "reason_en", "graded_at"])
        for student in sorted(records):
            r = records[student]
            writer.writerow(
                [
                    student,
                    r["status"],
                    r.get("score"),
                    r.get("max_score"),
                    r["reason_zh"],
                    r["reason_en"],
                    r.get("graded_at"),
                ]
            )


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


def _sandbox_base(options: GradeOptions, isolate: bool) -> Path:
    if options.sandbox_base:
        base = Path(options.sandbox_base)
    elif isolate and Path("/run").is_dir() and os.access("/run", os.W_OK):
        base = Path("/run/netmarketing-grader")
    else:
        base = Path(tempfile.gettempdir()) / f"netmarketing-grader-{os.getuid()}"
    base.mkdir(parents=True, exist_ok=True)
    # Traversable but not listable: a kernel can reach only its own (randomly named) folder.
    os.chmod(base, 0o711)
    return base


def _prepare_matplotlib_template(base: Path) -> Path:
    """Build matplotlib's font cache once, so that each sandboxed kernel starts with a copy."""
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


def _world_cache(options: GradeOptions, base: Path, isolate: bool) -> Path:
    if options.cache_dir:
        cache = Path(options.cache_dir)
    elif isolate and os.access("/var/cache", os.W_OK):
        cache = Path("/var/cache/netmarketing-grader")  # on disk, and not a private /tmp of the kernels
    else:
        cache = base / "world-cache"
    cache.mkdir(parents=True, exist_ok=True)
    # Readable by the kernels, writable only by the grader: a learner cannot poison a peer's data.
    os.chmod(cache, 0o755)
    return cache


def _protect_workspace(ws: Any) -> None:
    """Keep the gradebook and the submissions unreadable to other users (the sandbox users)."""
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


def grade_module(ws: Any, module: str, options: GradeOptions | None = None) -> list[dict[str, Any]]:
    """Grade every submission of ``module`` and return the records of this run.

    Parameters
    ----------
    ws : netmarketing.grading.workspace.Workspace
        The grading workspace (paths, gradebook URL, nbgrader configuration).
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

    One pool keeps every worker busy to the end (a pool per module leaves workers idle
    while the slowest submission of a module finishes), and the longest submissions go
    first (by their last grading time, else by the size of their module's notebooks).
    Each record names its ``module``.

    Workers are fresh (spawned) interpreters, so a script that calls this must do so under
    ``if __name__ == "__main__":`` (otherwise every worker fails and each submission is
    recorded as ``error``, to be graded on the next run); the CLI and notebooks need nothing.
    """
    options = options or GradeOptions()
    isolate = can_isolate() if options.isolate is None else options.isolate
    plans = []
    for module in modules:
        sources = [Path(p) for p in ws.source_notebooks(module)]
        if not sources:
            from netmarketing.cli import UserError

            raise UserError(
                f"單元 {module} 沒有原始筆記本（{ws.course_dir}/{module}）(no source notebooks for module)"
            )
        plans.append((module, sources))
    base = _sandbox_base(options, isolate)
    if isolate and options.isolate is None and not probe_isolation(base):
        warnings.warn(
            "無法建立隔離環境（namespaces / setuid），改以評分者的使用者執行學員程式 "
            "(sandbox unavailable: learner code runs as the grader's user)",
            RuntimeWarning,
            stacklevel=2,
        )
        isolate = False
    _protect_workspace(ws)
    mpl_template = _prepare_matplotlib_template(base)
    cache = _world_cache(options, base, isolate)
    limits = options.limits
    if isolate and not limits.hidden_paths:
        limits = copy.deepcopy(limits)
        limits.hidden_paths = _default_hidden_paths(ws)
    settings = {"limits": asdict(limits), "isolate": isolate}
    context = {"isolate": isolate, "base": base, "mpl_template": mpl_template, "cache": cache}

    with contextlib.ExitStack() as locks:
        for module, _ in plans:
            locks.enter_context(_module_lock(ws, module))
        cohorts = [
            _Cohort.plan(ws, module, sources, options, limits, settings, context) for module, sources in plans
        ]
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
        limits: SandboxLimits,
        settings: dict[str, Any],
        context: dict[str, Any],
    ) -> _Cohort:
        records = load_results(ws, module)
        needs_world = any(_uses_world(p.read_text(encoding="utf-8")) for p in sources)
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
                    "student": student,
                    "module": module,
                    "hash": digest,
                    "submission_dir": str(sub_dir),
                    "sources": [str(p) for p in sources],
                    "stubs": _stubs(ws),
                    "limits": asdict(limits),
                    "isolate": context["isolate"],
                    "base": str(context["base"]),
                    "mpl_template": str(context["mpl_template"]),
                    "cache_dir": str(context["cache"]),
                    "needs_world": needs_world,
                    "out_dir": str(out_dir),
                    # Expected seconds, for longest-first scheduling (not passed on to the result).
                    "_expected": float((previous or {}).get("duration_s") or 0) or size / 10_000,
                }
            )
        if tasks:
            _ensure_assignment(ws, module, sources)
        return cls(module, sources, records, tasks)


def _run_cohorts(ws: Any, cohorts: Sequence[_Cohort], options: GradeOptions) -> list[dict[str, Any]]:
    by_module = {c.module: c for c in cohorts}
    tasks = sorted((t for c in cohorts for t in c.tasks), key=lambda t: -t["_expected"])
    if not tasks:
        return []
    from tqdm.auto import tqdm

    done: list[dict[str, Any]] = []
    jobs = max(1, min(options.jobs, len(tasks)))
    desc = "評分 (grading) " + ", ".join(c.module for c in cohorts if c.tasks)
    # Fresh interpreters, not forks: a fork would inherit the caller's threads and event loop (an
    # instructor's Jupyter kernel, or a process that ran notebooks before) and could hang on them.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(grade_submission, task): task for task in tasks}
        bar = tqdm(total=len(futures), desc=desc, unit="份", disable=not options.progress)
        for future in as_completed(futures):
            task = futures[future]
            cohort = by_module[task["module"]]
            try:
                record = future.result()
            except BaseException as exc:  # a broken worker must not stop the cohort
                record = _error_record(task, exc)
            try:
                _store(ws, cohort.module, record, cohort.sources, options)
            except Exception as exc:  # storing failed: keep the submission as "error" (retried next run)
                record = _error_record(task, exc)
            finally:
                shutil.rmtree(task["out_dir"], ignore_errors=True)
            cohort.records[record["student"]] = _public(record)
            _save_results(ws, cohort.module, cohort.records)
            done.append(record)
            bar.update(1)
            bar.set_postfix_str(f"{record['student']}: {record['status']}")
        bar.close()
    return done


def _uses_world(text: str) -> bool:
    """Return True when a notebook reads the learner's data world (so the grader builds it first)."""
    return any(
        key in text for key in ("learner.load(", "my_world(", "my_truth(", "my_tables(", "load_world(")
    )


def _default_hidden_paths(ws: Any) -> list[str]:
    root = Path(ws.root).resolve()
    paths = [root, Path(ws.course_dir).resolve(), root.parent / ".git", Path(ws.exchange_dir)]
    return [str(p) for p in dict.fromkeys(paths) if p.is_dir()]


def _stubs(ws: Any) -> dict[str, Any]:
    try:
        config = ws.config()
        return {
            "code_stub": dict(config.ClearSolutions.code_stub),
            "text_stub": str(config.ClearSolutions.text_stub),
        }
    except Exception:
        return {}


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _error_record(task: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-500:]
    issue = Issue(
        "grader_error",
        "error",
        f"評分程式內部錯誤，下次執行會重新評分：{text}",
        f"internal grader error, will be graded again on the next run: {text}",
    )
    return _finish(
        {
            "student": task["student"],
            "module": task["module"],
            "hash": task["hash"],
            "notebooks": {},
            "issues": [issue.as_dict()],
            "duration_s": None,
        }
    )


def _finish(record: dict[str, Any]) -> dict[str, Any]:
    issues = record["issues"]
    record["status"] = worst_status(issues)
    record["reason_zh"] = "；".join(i["reason_zh"] for i in issues) or "已完成評分"
    record["reason_en"] = "; ".join(i["reason_en"] for i in issues) or "graded"
    scores = [g for nb in record["notebooks"].values() for g in nb.get("grades", {}).values()]
    record["max_score"] = sum(g["max_score"] for g in scores)
    known = [g["score"] for g in scores if g["score"] is not None]
    record["score"] = sum(known) if known else None
    record["graded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return record


def _ensure_assignment(ws: Any, module: str, sources: Sequence[Path]) -> None:
    """Make sure the gradebook knows the module's notebooks and graded cells (else generate it)."""
    from nbgrader.api import MissingEntry

    wanted = []
    for path in sources:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = integrity.nbgrader_meta(cell)
            if meta.get("grade") and meta.get("grade_id"):
                wanted.append((meta["grade_id"], path.stem))
    with ws.gradebook() as gb:
        try:
            gb.find_assignment(module)
            for grade_id, notebook in wanted:
                gb.find_grade_cell(grade_id, notebook, module)
            return
        except MissingEntry:
            pass
    ws.generate(module)


def _store(
    ws: Any, module: str, record: dict[str, Any], sources: Sequence[Path], options: GradeOptions
) -> None:
    """Write one graded submission: gradebook, autograded copy, feedback (parent process only)."""
    from nbgrader.api import MissingEntry

    student = record["student"]
    timestamp = _read_timestamp(Path(ws.submission_dir(student, module)))
    with ws.gradebook() as gb, warnings.catch_warnings():
        # nbgrader's own session handling warns while creating a submission; harmless.
        warnings.simplefilter("ignore")
        gb.update_or_create_student(student)
        gb.update_or_create_submission(module, student, **({"timestamp": timestamp} if timestamp else {}))
        for notebook, nb_record in record["notebooks"].items():
            for grade_id, grade in nb_record.get("grades", {}).items():
                try:
                    row = gb.find_grade(grade_id, notebook, module, student)
                except MissingEntry:
                    continue
                row.auto_score = grade["score"]
                row.needs_manual_grade = row.manual_score is not None or grade["score"] is None
        gb.db.commit()
    graded_dir = Path(ws.autograded_dir) / student / module
    shutil.rmtree(graded_dir, ignore_errors=True)
    executed = {}
    for notebook, nb_record in record["notebooks"].items():
        path = nb_record.pop("_executed", None)
        if path and Path(path).exists():
            graded_dir.mkdir(parents=True, exist_ok=True)
            target = graded_dir / f"{notebook}.ipynb"
            shutil.copyfile(path, target)
            executed[notebook] = target
    stamp = Path(ws.submission_dir(student, module)) / "timestamp.txt"
    if graded_dir.is_dir() and stamp.is_file() and not stamp.is_symlink():
        shutil.copyfile(stamp, graded_dir / "timestamp.txt")
    if options.feedback:
        from netmarketing.grading.feedback import write_feedback

        write_feedback(Path(ws.feedback_dir) / student / module, record, sources, executed)


def _read_timestamp(sub_dir: Path) -> datetime | None:
    stamp = sub_dir / "timestamp.txt"
    if not stamp.is_file() or stamp.is_symlink():
        return None
    try:
        from nbgrader.utils import parse_utc

        return parse_utc(stamp.read_text(encoding="utf-8")[:100].strip())
    except Exception:
        return None


# ==============================================================================================
# Worker: one submission
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


def grade_submission(task: dict[str, Any]) -> dict[str, Any]:
    """Grade one submission in a sandbox and return its record (runs in a worker process).

    Never raises for anything the submission does; only a failure of the grader itself
    escapes (and is recorded as status ``error`` by the parent).
    """
    started = time.monotonic()
    limits = SandboxLimits(**task["limits"])
    base = Path(task["base"])
    isolate = bool(task["isolate"])
    uid = SANDBOX_UID_BASE + _claim_slot(base) if isolate else None
    record: dict[str, Any] = {
        "student": task["student"],
        "module": task["module"],
        "hash": task["hash"],
        "notebooks": {},
        "issues": [],
    }
    box = Path(tempfile.mkdtemp(prefix="box-", dir=base))
    try:
        if uid is not None:
            kill_user_processes(uid)  # leftovers of a previous submission on this slot
        work = box / "work"
        work.mkdir()
        files, copy_issues = _copy_submission(Path(task["submission_dir"]), work)
        record["issues"] += [i.as_dict() for i in copy_issues]
        _prewarm_world(task)
        env = _kernel_env(task, box, uid)
        deadline = started + limits.notebook_budget
        sources = [Path(p) for p in task["sources"]]
        located, locate_issues = _locate_notebooks(sources, files, work)
        record["issues"] += [i.as_dict() for i in locate_issues]
        for source in sources:
            name = source.stem
            nb_record, nb_issues = _grade_notebook(
                task, source, located.get(name), box, uid, env, limits, deadline
            )
            record["notebooks"][name] = nb_record
            record["issues"] += [i.as_dict() for i in nb_issues]
    finally:
        if uid is not None:
            kill_user_processes(uid)
        shutil.rmtree(box, ignore_errors=True)
    record["duration_s"] = round(time.monotonic() - started, 2)
    return _finish(record)


def _copy_submission(src: Path, dest: Path) -> tuple[list[str], list[Issue]]:
    """Copy the regular files of a submission (never following symlinks); return the notebooks copied."""
    issues: list[Issue] = []
    notebooks: list[str] = []
    if not src.is_dir() or src.is_symlink():
        return notebooks, issues
    budget = MAX_SUBMISSION_MB * 1024 * 1024
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if ".ipynb_checkpoints" in rel.parts:
            continue
        if path.is_symlink():
            issues.append(
                Issue(
                    "symlink_ignored",
                    "flagged",
                    f"提交資料夾中的符號連結 (symlink) {rel} 已忽略（可能試圖讀取他人檔案）",
                    f"symlink {rel} in the submission was ignored",
                    None,
                    str(rel),
                )
            )
            continue
        if path.is_dir():
            (dest / rel).mkdir(parents=True, exist_ok=True)
            continue
        if not path.is_file():
            continue
        size = path.stat().st_size
        if size > budget:
            issues.append(
                Issue(
                    "file_too_large",
                    "flagged",
                    f"檔案 {rel} 太大，未複製到評分環境",
                    f"file {rel} too large, not copied",
                    None,
                    str(rel),
                )
            )
            continue
        budget -= size
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)
        if rel.suffix == ".ipynb" and len(rel.parts) == 1:
            notebooks.append(rel.name)
    return notebooks, issues


def _locate_notebooks(
    sources: Sequence[Path], files: Sequence[str], work: Path
) -> tuple[dict[str, Path], list[Issue]]:
    """Return ``{notebook: submitted path}``, matching renamed notebooks by their grade ids."""
    located: dict[str, Path] = {}
    for source in sources:
        if source.name in files:
            located[source.stem] = work / source.name
    missing = {
        s.stem: integrity.grade_ids(json.loads(s.read_text(encoding="utf-8")))
        for s in sources
        if s.stem not in located
    }
    extras = {}
    for name in files:
        if name in {s.name for s in sources}:
            continue
        try:
            extras[name] = integrity.grade_ids(json.loads((work / name).read_text(encoding="utf-8")))
        except Exception:
            extras[name] = set()
    issues = []
    for expected, found in integrity.match_misnamed(missing, extras).items():
        located[expected] = work / found
        issues.append(
            Issue(
                "misnamed_notebook",
                "flagged",
                f"筆記本檔名被改為 {found}，已依內容對應到 {expected}.ipynb 評分",
                f"notebook renamed to {found}; graded as {expected}.ipynb",
                expected,
            )
        )
    return located, issues


def _prewarm_world(task: dict[str, Any]) -> None:
    """Build the learner's world in the grader-owned cache, so the read-only kernel finds it."""
    if not task.get("needs_world"):
        return
    env_before = os.environ.get("NETMARKETING_CACHE")
    os.environ["NETMARKETING_CACHE"] = task["cache_dir"]
    try:
        from netmarketing.data import load_world, seed_for
        from netmarketing.data.world import _cache_name
        from netmarketing.learner.data import learner_scale

        seed, scale = int(seed_for(task["student"])), learner_scale()
        if not (Path(task["cache_dir"]) / _cache_name(seed, scale) / "manifest.json").exists():
            load_world(seed, scale=scale)
    except Exception:
        pass  # the kernel will report whatever goes wrong, in the learner's notebook
    finally:
        if env_before is None:
            os.environ.pop("NETMARKETING_CACHE", None)
        else:
            os.environ["NETMARKETING_CACHE"] = env_before


def _kernel_env(task: dict[str, Any], box: Path, uid: int | None) -> dict[str, str]:
    """Return a minimal kernel environment: no grader secrets (e.g. a database URL), the learner's id."""
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
        "NETMARKETING_CACHE": task["cache_dir"],
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "TMPDIR": "/tmp" if uid is not None else str(box / "tmp"),
    }
    if uid is None:
        (box / "tmp").mkdir(exist_ok=True)
    for name in ("NETMARKETING_SCALE", "NETMARKETING_COURSE_ID"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if uid is not None:
        for path in [box, *box.rglob("*")]:
            os.lchown(path, uid, uid)
        os.chmod(box, 0o700)
    return kernel_env_for(task["student"], base=env)


def _read_notebook(path: Path, name: str) -> tuple[Any, list[Issue]]:
    import nbformat

    size_mb = path.stat().st_size / 1024 / 1024
    if size_mb > MAX_NOTEBOOK_MB:
        return None, [
            Issue(
                "corrupt_notebook",
                "corrupt",
                f"{name}.ipynb 超過 {MAX_NOTEBOOK_MB} MB（{size_mb:.0f} MB），無法評分；請清除輸出後重新繳交",
                f"{name}.ipynb is larger than {MAX_NOTEBOOK_MB} MB; clear outputs and resubmit",
                name,
            )
        ]
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
            raise ValueError("not a notebook: no list of cells")
        for cell in raw["cells"]:
            if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
                raise ValueError("a cell without a valid cell_type")
            cell.setdefault("metadata", {})
            if cell["cell_type"] == "code":
                cell.setdefault("outputs", [])
                cell.setdefault("execution_count", None)
        raw.setdefault("metadata", {})
        raw["nbformat"], raw["nbformat_minor"] = 4, max(int(raw.get("nbformat_minor", 4) or 4), 4)
        nb = nbformat.from_dict(raw)
    except Exception as exc:
        detail = str(exc)[:200]
        return None, [
            Issue(
                "corrupt_notebook",
                "corrupt",
                f"{name}.ipynb 不是有效的筆記本檔案（JSON 損毀）：{detail}",
                f"{name}.ipynb is not a valid notebook (corrupt JSON): {detail}",
                name,
            )
        ]
    issues = []
    if size_mb > 5:
        issues.append(
            Issue(
                "outputs_stripped",
                "graded",
                f"{name}.ipynb 含大量輸出（{size_mb:.0f} MB），評分前已清除",
                f"{name}.ipynb carried {size_mb:.0f} MB of outputs; stripped before grading",
                name,
            )
        )
    return nb, issues


def _grade_notebook(
    task: dict[str, Any],
    source_path: Path,
    submitted: Path | None,
    box: Path,
    uid: int | None,
    env: dict[str, str],
    limits: SandboxLimits,
    deadline: float,
) -> tuple[dict[str, Any], list[Issue]]:
    import nbformat
    from traitlets.config import Config

    name = source_path.stem
    source_nb = nbformat.read(str(source_path), as_version=4)
    config = Config()
    if task.get("stubs"):
        config.ClearSolutions.code_stub = task["stubs"]["code_stub"]
        config.ClearSolutions.text_stub = task["stubs"]["text_stub"]
    release_nb = integrity.release_version(source_nb, config)
    empty = {"status": None, "grades": _ungraded(source_nb)}
    if submitted is None:
        empty["status"] = "missing"
        return empty, [
            Issue(
                "missing_notebook",
                "missing",
                f"找不到作業筆記本 {name}.ipynb（檔名需與發下的相同）",
                f"notebook {name}.ipynb not found in the submission",
                name,
            )
        ]
    submitted_nb, issues = _read_notebook(submitted, name)
    if submitted_nb is None:
        empty["status"] = "corrupt"
        return empty, issues
    from netmarketing.grading.identity import check_identity_marker

    mismatch = check_identity_marker(submitted_nb, task["student"])
    if mismatch:
        issues.append(Issue("identity_mismatch", "flagged", mismatch, mismatch, name))
    merged, merge_issues = integrity.merge_submission(source_nb, release_nb, submitted_nb, name)
    issues += merge_issues
    issues += integrity.scan_learner_code(merged, name, release_nb)
    nonce = secrets.token_hex(8)
    merged.cells.append(_canary_cell(nonce))
    kernel_starts: list[str] = []
    warm = _warm_server(task, env, limits)
    run_issues = _execute(merged, box, uid, env, limits, deadline, name, kernel_starts, warm)
    issues += run_issues
    canary = merged.cells.pop()
    canary_ran = not any(o.get("ename") in _NOT_RUN_ENAMES for o in canary.outputs)
    tampered = canary_ran and not any(
        o.get("output_type") == "error" and nonce in str(o.get("evalue", "")) for o in canary.outputs
    )
    grades = _grades(merged, release_nb)
    if tampered:
        issues.append(
            Issue(
                "error_reporting_tampered",
                "flagged",
                "評分環境的錯誤回報被更動（必定失敗的檢查未被偵測），自動評分不可信：測試分數暫以 0 分計，待講師檢視",
                "error reporting was tampered with (a check that must fail passed); "
                "test scores set to 0 pending review",
                name,
            )
        )
        for grade in grades.values():
            if grade["kind"] == "auto":
                grade["score"] = 0.0
    issues += _output_issues(merged, name, limits)
    issues += _access_issues(merged, name, task)
    for cell in merged.cells:
        cell.setdefault("id", secrets.token_hex(4))
    merged.nbformat_minor = max(5, int(merged.get("nbformat_minor", 5) or 5))
    out = Path(task["out_dir"]) / f"{name}.ipynb"
    nbformat.write(merged, str(out))
    return {
        "status": worst_status(i.as_dict() for i in issues),
        "grades": grades,
        "kernel_starts": kernel_starts,
        "_executed": str(out),
    }, issues


def _ungraded(source_nb: Any) -> dict[str, dict[str, Any]]:
    grades = {}
    for cell in source_nb.cells:
        meta = integrity.nbgrader_meta(cell)
        if meta.get("grade") and meta.get("grade_id"):
            grades[meta["grade_id"]] = {
                "score": None,
                "max_score": float(meta.get("points", 0) or 0),
                "kind": "manual" if meta.get("solution") else "auto",
                "hidden": integrity.has_hidden_tests(cell),
                "message": None,
            }
    return grades


def _grades(executed: Any, release_nb: Any) -> dict[str, dict[str, Any]]:
    """Return the score of every graded cell (nbgrader's rule for tests; empty answers score 0)."""
    from nbgrader.utils import determine_grade

    stubs = {
        integrity.nbgrader_meta(c).get("grade_id"): integrity.normalize(c.source) for c in release_nb.cells
    }
    grades = {}
    for cell in executed.cells:
        meta = integrity.nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if not (meta.get("grade") and gid):
            continue
        max_score = float(meta.get("points", 0) or 0)
        hidden = integrity.has_hidden_tests(cell)
        if meta.get("solution"):
            answered = integrity.normalize(cell.source) != stubs.get(gid)
            grades[gid] = {
                "score": None if answered else 0.0,
                "max_score": max_score,
                "kind": "manual",
                "hidden": False,
                "message": None if answered else "未作答",
            }
            continue
        if cell.cell_type != "code":
            grades[gid] = {
                "score": None,
                "max_score": max_score,
                "kind": "manual",
                "hidden": False,
                "message": None,
            }
            continue
        score, _ = determine_grade(cell, None)
        grades[gid] = {
            "score": None if score is None else float(score),
            "max_score": max_score,
            "kind": "auto",
            "hidden": hidden,
            "message": None if hidden else _failure_message(cell),
        }
    return grades


def _failure_message(cell: Any) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', '')}: {output.get('evalue', '')}"[:400]
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return str(output.get("text", ""))[:400]
    return None


def _canary_cell(nonce: str) -> Any:
    import nbformat

    source = f'check_{nonce} = {int(nonce, 16) % 9973}\nassert check_{nonce} == -1, "{nonce}"'
    return nbformat.v4.new_code_cell(source, metadata={"netmarketing": {"canary": True}})


def _synthetic_error(ename: str, zh: str) -> Any:
    import nbformat

    return nbformat.v4.new_output("error", ename=ename, evalue=zh, traceback=[f"{ename}: {zh}"])


def _output_issues(nb: Any, name: str, limits: SandboxLimits) -> list[Issue]:
    issues = []
    for idx, cell in enumerate(nb.cells):
        where = integrity.nbgrader_meta(cell).get("grade_id") or f"cell {idx + 1}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "MemoryError":
                issues.append(
                    Issue(
                        "memory_limit",
                        "memory",
                        f"{where} 超過記憶體上限 {limits.memory_mb} MB (MemoryError)",
                        f"{where} exceeded the memory limit of {limits.memory_mb} MB",
                        name,
                        where,
                    )
                )
        if cell.get("metadata", {}).get("netmarketing_truncated"):
            issues.append(
                Issue(
                    "output_truncated",
                    "graded",
                    f"{where} 的輸出超過 {limits.max_output_bytes // 1000} KB，已截斷",
                    f"output of {where} exceeded {limits.max_output_bytes // 1000} KB and was cut",
                    name,
                    where,
                )
            )
    return issues


def _access_issues(nb: Any, name: str, task: dict[str, Any]) -> list[Issue]:
    """Return a ``protected_access`` issue when learner code ran into the sandbox's walls."""
    protected = [p for p in task["limits"].get("hidden_paths", []) if len(p) > 4]
    protected.append(str(Path(task["submission_dir"]).parent.parent))
    for idx, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or integrity.cell_role(cell) in ("test", "locked"):
            continue
        for output in cell.get("outputs", []):
            text = str(output.get("text", "")) + str(output.get("evalue", ""))
            if (
                output.get("ename") == "PermissionError"
                or "PermissionError" in text
                or any(p in text for p in protected)
            ):
                where = integrity.nbgrader_meta(cell).get("grade_id") or f"cell {idx + 1}"
                return [
                    Issue(
                        "protected_access",
                        "flagged",
                        f"{where} 的程式嘗試存取受保護的檔案（評分資料庫、其他學員或測試程式），已被隔離環境擋下",
                        f"code in {where} tried to reach protected files (gradebook, peers, test helpers); "
                        "blocked by the sandbox",
                        name,
                        where,
                    )
                ]
    return []


def _warm_server(task: dict[str, Any], env: dict[str, str], limits: SandboxLimits) -> Any:
    """Return this worker's fork server of warm kernels (see :mod:`.warmkernel`), or None to start cold."""
    if os.environ.get("NETMARKETING_COLD_KERNELS"):
        return None
    from netmarketing.grading.warmkernel import fork_server

    # The server outlives this submission: it lives in the sandbox base folder and reads
    # matplotlib's shared template, not a submission's copy of it.
    server_env = dict(env, MPLCONFIGDIR=task["mpl_template"])
    server = fork_server(server_env, Path(task["base"]))
    return server if server is not None and server.fits(limits.memory_mb) else None


def _capped_client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A notebook client that keeps at most ``max_output_bytes`` of output per cell while it runs."""

        max_output_bytes = 200_000
        timed_out = False

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(str(content.get("text", ""))) + sum(
                len(str(v)) for v in content.get("data", {}).values()
            )
            used = self._used.get(cell_index, 0) + size
            self._used[cell_index] = used
            if used > self.max_output_bytes and msg.get("msg_type") != "error":
                cell = self.nb.cells[cell_index]
                if not cell.metadata.get("netmarketing_truncated"):
                    cell.metadata["netmarketing_truncated"] = True
                    import nbformat

                    outs.append(
                        nbformat.v4.new_output(
                            "stream", name="stdout", text="\n[輸出過多，已截斷 (output truncated)]\n"
                        )
                    )
                is_stderr = msg.get("msg_type") == "stream" and content.get("name") == "stderr"
                if is_stderr and not any(o.get("name") == "stderr" for o in outs):
                    import nbformat

                    # Keep the fact that the cell wrote to stderr: nbgrader scores that as a failure.
                    outs.append(nbformat.v4.new_output("stream", name="stderr", text="[stderr truncated]\n"))
                return None
            if msg.get("msg_type") == "error":
                content["traceback"] = content.get("traceback", [])[-30:]
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            self.timed_out = True
            return await super()._async_handle_timeout(timeout, cell)

    return CappedClient


def _execute(
    nb: Any,
    box: Path,
    uid: int | None,
    env: dict[str, str],
    limits: SandboxLimits,
    deadline: float,
    name: str,
    starts: list[str],
    warm: Any,
) -> list[Issue]:
    """Execute ``nb`` in place in a sandboxed kernel; restart and skip cells that had to be killed.

    Kernels are forked from the fork server ``warm`` when there is one (see :mod:`.warmkernel`);
    ``starts`` receives "warm" or "cold" for each kernel started.
    """
    issues: list[Issue] = []
    skipped: dict[int, Any] = {}
    for _ in range(MAX_RESTARTS + 1):
        stop = _run_pass(nb, box, uid, env, limits, deadline, name, skipped, issues, starts, warm)
        if stop is None:
            return issues
        index, kind = stop
        label = integrity.nbgrader_meta(nb.cells[index]).get("grade_id") or f"cell {index + 1}"
        if kind == "budget":
            issues.append(
                Issue(
                    "budget_exceeded",
                    "timeout",
                    f"整份作業執行超過 {limits.notebook_budget} 秒的時間上限（停在 {label}），已強制結束；未執行的測試以 0 分計",
                    f"the whole submission exceeded its {limits.notebook_budget} s budget (at {label}); "
                    "cells not run score 0",
                    name,
                    label,
                )
            )
            _mark_not_run(nb, index, "BudgetExceeded", "整份作業的執行時間用完，此儲存格未執行")
            return issues
        if kind == "killed":
            issues.append(
                Issue(
                    "interrupt_ignored",
                    "killed",
                    f"{label} 執行超過 {limits.cell_timeout} 秒且攔截了中斷訊號 (KeyboardInterrupt)，"
                    "已強制結束核心 (kernel)，略過此儲存格後重新執行其餘部分",
                    f"{label} ran over {limits.cell_timeout} s and swallowed KeyboardInterrupt; the kernel "
                    "was killed and the notebook re-run without that cell",
                    name,
                    label,
                )
            )
            skipped[index] = _synthetic_error(
                "CellTimeout", f"執行超過 {limits.cell_timeout} 秒且無法中斷，已略過"
            )
        else:
            issues.append(
                Issue(
                    "kernel_died",
                    "crashed",
                    f"{label} 使核心 (kernel) 當掉（例如 os._exit 或記憶體耗盡），已重新啟動並略過此儲存格",
                    f"{label} killed the kernel (e.g. os._exit or memory); restarted without that cell",
                    name,
                    label,
                )
            )
            skipped[index] = _synthetic_error("KernelDied", "此儲存格使核心 (kernel) 當掉，已略過")
    _mark_not_run(
        nb, max(skipped) + 1 if skipped else 0, "TooManyRestarts", "核心重新啟動次數過多，此儲存格未執行"
    )
    return issues


def _mark_not_run(nb: Any, start: int, ename: str, zh: str) -> None:
    for cell in nb.cells[start:]:
        if cell.cell_type == "code":
            cell.outputs = [_synthetic_error(ename, zh)]


def _run_pass(
    nb: Any,
    box: Path,
    uid: int | None,
    env: dict[str, str],
    limits: SandboxLimits,
    deadline: float,
    name: str,
    skipped: dict[int, Any],
    issues: list[Issue],
    starts: list[str],
    warm: Any,
) -> tuple[int, str] | None:
    """Run every cell once in a fresh kernel; return ``(cell index, reason)`` when the kernel had to go."""
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    work = box / "work"
    conn = box / "kernel.json"
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("netmarketing_truncated", None)
    if time.monotonic() >= deadline:
        first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), 0)
        return first, "budget"
    chown = [conn] if uid is not None else []
    km = make_kernel_manager(sandbox_options(work, uid=uid, limits=limits, chown=chown), warm=warm)
    km.transport = "ipc"
    km.ip = str(box / "ipc")
    km.connection_file = str(conn)
    client = _capped_client_class()(
        nb,
        km=km,
        timeout=limits.cell_timeout,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": f"執行超過 {limits.cell_timeout} 秒，已中斷"},
        iopub_timeout=INTERRUPT_GRACE,
        raise_on_iopub_timeout=True,
        shutdown_kernel="immediate",
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(work)}},
    )
    client.max_output_bytes = limits.max_output_bytes
    client._used = {}
    budget_spent = threading.Event()

    def kill_kernel() -> None:
        budget_spent.set()
        kill_process_group(getattr(km.provisioner, "pid", None) if km.provisioner else None)
        if uid is not None:
            kill_user_processes(uid)

    timer = threading.Timer(max(0.1, deadline - time.monotonic()), kill_kernel)
    try:
        with client.setup_kernel(env=env, cwd=str(work)):
            starts.append("warm" if km.warm_kernel else "cold")
            timer.start()
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if index in skipped:
                    cell.outputs = [skipped[index]]
                    continue
                if budget_spent.is_set():
                    return index, "budget"
                client.timed_out = False
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    if budget_spent.is_set():
                        return index, "budget"
                    kill_process_group(getattr(km.provisioner, "pid", None))
                    return index, "killed" if client.timed_out else "crashed"
                except DeadKernelError:
                    return index, "budget" if budget_spent.is_set() else "crashed"
                if client.timed_out:
                    # Interrupted in time: the cell fails (even if it caught the KeyboardInterrupt) and we go on.
                    cell.outputs.append(
                        _synthetic_error("CellTimeout", f"執行超過 {limits.cell_timeout} 秒，已中斷")
                    )
                    label = integrity.nbgrader_meta(cell).get("grade_id") or f"cell {index + 1}"
                    issues.append(
                        Issue(
                            "cell_timeout",
                            "timeout",
                            f"{label} 執行超過 {limits.cell_timeout} 秒，已中斷（可能是無窮迴圈）",
                            f"{label} ran over {limits.cell_timeout} s and was interrupted "
                            "(an infinite loop?)",
                            name,
                            label,
                        )
                    )
    except (DeadKernelError, RuntimeError) as exc:
        if budget_spent.is_set():
            return next(
                (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.outputs), 0
            ), "budget"
        if "Kernel died before replying" in str(exc) or isinstance(exc, DeadKernelError):
            if km.warm_kernel and not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
                # A warm kernel that cannot start is the fork server's fault, not the learner's: go cold.
                from netmarketing.grading.warmkernel import disable_fork_server

                disable_fork_server()
                return _run_pass(nb, box, uid, env, limits, deadline, name, skipped, issues, starts, None)
            # The kernel could not even start (e.g. the memory limit is too small): nothing can be graded.
            raise RuntimeError(f"kernel failed to start: {exc}") from exc
        raise
    finally:
        timer.cancel()
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)
        kill_process_group(getattr(km.provisioner, "pid", None) if km.provisioner else None)
        if uid is not None:
            kill_user_processes(uid)
    return None
