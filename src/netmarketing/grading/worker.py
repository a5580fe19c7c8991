"""Grading one submission, in a worker process: box, sandboxed kernels, answers judged after the kernels end.

``grade_submission(task)`` is what each worker of :func:`netmarketing.grading.autograde.grade_modules`
runs. It copies the submission into a private *box*, gives the learner's kernels their data
folder (tables only) and their own user id (as root), executes each notebook through
:mod:`.run` inside :mod:`.sandbox`, and only then, with every learner process gone, reads the
answers back as data and judges them with :mod:`.checks` on the learner's variant rebuilt from
the course secret (:mod:`.variant`). It returns plain data; the parent stores it (:mod:`.store`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from netmarketing.grading import integrity
from netmarketing.grading.integrity import Issue, worst_status
from netmarketing.grading.results import finish
from netmarketing.grading.sandbox import (
    DATA_MOUNT,
    SANDBOX_UID_BASE,
    Sandbox,
    SandboxLimits,
    kill_user_processes,
)

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


def kernel_env(task: dict[str, Any], box: Path, data: Path, sandboxed: bool) -> dict[str, str]:
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
    sandbox = run = None
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
        # One folder for the whole submission's answers (grade ids are unique within a module).
        collected = box / "collected" / "answers"
        collected.mkdir()
        if uid is not None:
            os.chown(collected, uid, uid)
        env = kernel_env(task, box, data, sandboxed=sandbox is not None)
        env["NETMARKETING_ANSWERS"] = str(collected)
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
        run.discard()  # nothing of the learner's may still run while answers are read
        # Scoring: every kernel has ended; this process never ran learner code.
        from netmarketing.learner.answers import read_folder

        load_checks(task.get("extra_checks", ()))
        world = variants.world(task["student"])
        variant = Variant(task["student"], world.tables, world.truth)
        handed = read_folder(collected)
        for name, outcome in runs.items():
            record["notebooks"][name] = _score_outcome(task, name, outcome, handed, variant)
    finally:
        if run is not None:
            run.discard()
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
    outcome["issues"] += execute(merged, run, env, deadline, name)
    outcome["issues"] += output_issues(merged, name, run.limits)
    outcome["executed"] = merged
    return outcome


def _score_outcome(
    task: dict[str, Any], name: str, outcome: dict[str, Any], handed: tuple[dict, dict], variant: Any
) -> dict[str, Any]:
    """Score one executed notebook and keep its copy and its answers (as clean data) for the parent."""
    import nbformat

    from netmarketing.grading.cells import grade_id
    from netmarketing.grading.score import score_notebook, ungraded
    from netmarketing.learner.answers import AnswerError, write_item

    merged = outcome["executed"]
    if merged is None:
        return {"status": outcome.get("status"), "grades": ungraded(outcome["source"])}
    mine = {grade_id(c) for c in outcome["source"].cells} - {None}
    answers = {gid: values for gid, values in handed[0].items() if gid in mine}
    problems = {gid: text for gid, text in handed[1].items() if gid in mine}
    grades = score_notebook(merged, outcome["release"], answers, problems, variant)
    out = Path(task["out_dir"])
    kept = out / "answers" / name
    kept.mkdir(parents=True, exist_ok=True)
    for gid, values in answers.items():
        with contextlib.suppress(AnswerError, OSError, ValueError):
            write_item(kept, gid, values)  # re-written by the grader: only data it has read
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
