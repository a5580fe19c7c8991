"""Running one submission's notebooks: copy the files, find the notebooks, execute them in the sandbox.

Everything here happens in a grading *worker* process, never in the learner's kernel.
The worker copies the submission's regular files (never following a symlink) into a
private *box*, reads each notebook defensively, and executes it cell by cell in a kernel
started inside :mod:`.sandbox`, with a per-cell timeout, a budget for the whole
submission, output capped while it is produced, and restarts that skip a cell which
killed the kernel. What the kernel hands in lands in the box (``collected/<notebook>/``)
and is read back by :mod:`.score` after the kernel is gone.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netmarketing.grading import integrity
from netmarketing.grading.integrity import Issue
from netmarketing.grading.sandbox import (
    Sandbox,
    SandboxLimits,
    kill_process_group,
    kill_user_processes,
    make_kernel_manager,
)

#: Run by the grader when a submission's kernel starts, before any learner cell and outside the
#: cell timeout: the course's libraries, imported once, so that set-up cells are timed fairly.
WARM_UP = (
    "import numpy, pandas, pyarrow, scipy.stats, matplotlib.pyplot, seaborn, ipywidgets\n"
    "import netmarketing.learner, netmarketing.learner.widgets"
)
#: Run between two notebooks of one submission in the same kernel: nothing the last notebook
#: defined is left for the next one (as in a fresh kernel), only the imported libraries stay.
RESET = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import os as _os, matplotlib.pyplot as _plt\n"
    "_plt.close('all'); _os.chdir({work!r}); del _os, _plt"
)


@dataclass
class KernelRun:
    """Where one submission's notebooks run: its box, its sandbox (None: unsandboxed), limits, and its kernel.

    The notebooks of one submission share one kernel, warmed up once and reset between
    notebooks (:data:`RESET`); a kernel that had to be killed is discarded and the next
    pass starts a fresh one. Whatever the learner's code did to the kernel in one notebook
    can change only that learner's own answers.
    """

    box: Path
    limits: SandboxLimits
    sandbox: Sandbox | None
    uid: int | None = None
    km: Any = None  # the live kernel manager, or None
    notebooks_run: int = 0  # notebooks run in the live kernel

    def discard(self) -> None:
        """End the live kernel and every process of the submission's user."""
        from jupyter_core.utils import run_sync

        km, self.km, self.notebooks_run = self.km, None, 0
        if km is not None:
            with contextlib.suppress(Exception):
                run_sync(km.shutdown_kernel)(now=True)
            kill_process_group(getattr(km.provisioner, "pid", None) if km.provisioner else None)
        if self.uid is not None:
            kill_user_processes(self.uid)


MAX_NOTEBOOK_MB = 50
#: Saved widget state kept in an autograded notebook (bytes of JSON).
MAX_WIDGET_STATE = 2_000_000
MAX_SUBMISSION_MB = 200
MAX_RESTARTS = 3
#: Seconds to wait for a kernel to answer after an interrupt before it is killed.
INTERRUPT_GRACE = 5


def copy_submission(src: Path, dest: Path) -> tuple[list[str], list[Issue]]:
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


def locate_notebooks(
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


def read_notebook(path: Path, name: str) -> tuple[Any, list[Issue]]:
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


def _synthetic_error(ename: str, zh: str) -> Any:
    import nbformat

    return nbformat.v4.new_output("error", ename=ename, evalue=zh, traceback=[f"{ename}: {zh}"])


def output_issues(nb: Any, name: str, limits: SandboxLimits) -> list[Issue]:
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


def execute(nb: Any, run: KernelRun, env: dict[str, str], deadline: float, name: str) -> list[Issue]:
    """Execute ``nb`` in place in a kernel of ``run``; restart and skip cells that had to be killed."""
    limits = run.limits
    issues: list[Issue] = []
    skipped: dict[int, Any] = {}
    for _ in range(MAX_RESTARTS + 1):
        stop = _run_pass(nb, run, env, deadline, name, skipped, issues)
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


def _run_quietly(client: Any, code: str, timeout: float) -> None:
    """Run the grader's own ``code`` in the client's kernel (no notebook cell, output dropped)."""
    from jupyter_core.utils import run_sync

    reply = run_sync(client.kc.execute_interactive)(
        code, silent=True, store_history=False, timeout=timeout, output_hook=lambda msg: None
    )
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")


def _run_pass(
    nb: Any,
    run: KernelRun,
    env: dict[str, str],
    deadline: float,
    name: str,
    skipped: dict[int, Any],
    issues: list[Issue],
) -> tuple[int, str] | None:
    """Run every cell once in the submission's kernel; return ``(cell index, reason)`` when the kernel had to go."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    limits, box, uid = run.limits, run.box, run.uid
    work = box / "work"
    conn = box / "run" / "kernel.json"  # run/ belongs to the kernel's user: its sockets go there
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("netmarketing_truncated", None)
    if time.monotonic() >= deadline:
        first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), 0)
        return first, "budget"
    if run.km is None:
        run.km = make_kernel_manager(run.sandbox)
        run.km.transport = "ipc"
        run.km.ip = str(box / "run" / "ipc")
        run.km.connection_file = str(conn)
    km = run.km
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
    stopped = True  # until the notebook has run to its end
    fresh_kernel_needed = False
    try:
        with client.setup_kernel(env=env, cwd=str(work)):
            timer.start()
            first = run.notebooks_run == 0
            prelude = WARM_UP if first else RESET.format(work=str(work))
            # Not the learner's code and not timed like it: a generous limit, its output dropped.
            try:
                _run_quietly(client, prelude, max(limits.cell_timeout, 120) if first else limits.cell_timeout)
            except (TimeoutError, RuntimeError):
                # A warm-up that fails (e.g. a submitted pandas.py shadows the real one) is the learner's
                # to meet in their own cells. A kernel the last notebook left unable to reset starts afresh.
                fresh_kernel_needed = not first
            for index, cell in enumerate([] if fresh_kernel_needed else nb.cells):
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
            if not fresh_kernel_needed:
                # The widgets' last state goes into the notebook, so feedback can say what a widget showed.
                with contextlib.suppress(Exception):
                    client.set_widgets_metadata()
                    if len(json.dumps(nb.metadata.get("widgets", {}))) > MAX_WIDGET_STATE:
                        nb.metadata.pop("widgets", None)  # the learner's widgets, not a few controls
                stopped = False
                run.notebooks_run += 1
    except (DeadKernelError, RuntimeError) as exc:
        if budget_spent.is_set():
            return next(
                (i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.outputs), 0
            ), "budget"
        if "Kernel died before replying" in str(exc) or isinstance(exc, DeadKernelError):
            # The kernel could not even start (e.g. the memory limit is too small): nothing can be graded.
            raise RuntimeError(f"kernel failed to start: {exc}") from exc
        raise
    finally:
        timer.cancel()
        if client.kc is not None:
            with contextlib.suppress(Exception):
                client.kc.stop_channels()
        if stopped:
            run.discard()  # killed, crashed or out of time: the next pass starts a fresh kernel
    if fresh_kernel_needed:
        return _run_pass(nb, run, env, deadline, name, skipped, issues)
    return None
