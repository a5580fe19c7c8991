"""Warm kernels: a fork server that starts learner kernels with the course's libraries already imported.

Why: a course notebook spends about 3 s of every run importing pandas, pyarrow,
matplotlib, seaborn and scipy and starting ipykernel, before any learner code runs.
A cohort run starts one kernel per notebook per learner, so on a 2-core machine
that start-up was a third of the grading time.

How: each grading worker starts one *fork server* (``python -m
netmarketing.grading.warmkernel``) that imports those libraries once and then waits
for requests on its stdin. For each kernel it ``fork``\\ s; the child enters exactly
the same sandbox as a cold kernel (:func:`.sandbox.enter_sandbox`: namespaces, hidden
paths, limits, own user id, parent-death signal), takes the kernel's environment,
and runs ipykernel in place. The fork server itself never runs learner code, holds
no secret (it starts with a minimal environment and reads nothing of the
workspace), and every kernel is a fresh copy of it, so one learner's kernel cannot
see another's.

Fork safety: a fork copies only the calling thread, so the server must have exactly
one thread when it forks. Imports that would start threads are kept single-threaded
by the environment (``OPENBLAS_NUM_THREADS=1``, pyarrow's jemalloc without its
background thread); the server checks ``/proc/self/task`` and refuses to serve
otherwise. Whenever the fork server cannot start or a warm kernel dies before it
answers, the grader falls back to the cold launcher for that kernel.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Imported once by the fork server: what the course notebooks import in their first cells.
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "scipy.stats",
    "ipykernel.kernelapp",
    "ipywidgets",
    "netmarketing.data",
    "netmarketing.learner",
    "netmarketing.learner.selfcheck",
    "netmarketing.learner.widgets",
    "netmarketing.grading.hidden",
)
#: Environment of the fork server (and inherited by its imports): no learner, no grader secrets.
SERVER_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION")
SINGLE_THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    # pyarrow's bundled jemalloc would start a background thread at import.
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}
START_TIMEOUT = 120
#: Address space a kernel needs beyond the fork server's (threads' stacks and arenas, the data).
KERNEL_HEADROOM_MB = 1024


# ==============================================================================================
# Server (its own process)
# ==============================================================================================
def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1


def _vm_size_kb() -> int:
    """Return this process's address-space size in KiB (what RLIMIT_AS counts)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _reap(signum: int, frame: Any) -> None:
    """Collect finished kernels at once, so the grader sees them gone (not as zombies)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _start_time(pid: int) -> str | None:
    """Return the start time of a process (field 22 of /proc/PID/stat), to tell it from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _run_kernel(request: Mapping[str, Any], protocol_fds: Sequence[int]) -> None:
    """Body of a forked child: enter the sandbox, take the kernel's environment, run ipykernel."""
    from netmarketing.grading.sandbox import enter_sandbox

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # interrupts reach learner code
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()  # own process group, as jupyter_client gives a cold kernel: killpg reaches it all
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # never write into the protocol pipe
    for fd in protocol_fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    enter_sandbox(request["sandbox"])
    os.environ.clear()
    os.environ.update(request["env"])
    import random
    import tempfile

    tempfile.tempdir = None  # re-read TMPDIR
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()  # each kernel its own entropy, as a fresh process has
    sys.path[0] = os.getcwd()  # as `python -m ipykernel_launcher` run in the working folder
    # As jupyter_client's JPY_PARENT_PID does for a cold kernel: watch the parent (the server),
    # and do not print the console banner meant for hand-started kernels.
    argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
    sys.argv = ["ipykernel_launcher", *argv]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(argv)
    if "matplotlib_inline.backend_inline" in sys.modules:
        # Imported before a shell existed: hook inline figures into this kernel's shell now.
        from matplotlib_inline.backend_inline import _enable_matplotlib_integration

        _enable_matplotlib_integration()
    app.start()


def serve() -> None:
    """Import the course libraries, then fork one kernel per request line read from stdin."""
    reply = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints of imports go to stderr, not into the protocol
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # die with the grading worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker stops us; Ctrl-C is the grader's
    failed = []
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception as exc:  # a missing optional library only costs speed
            failed.append(f"{name}: {exc}")
    threads = _thread_count()
    hello = {"ready": threads == 1, "threads": threads, "failed": failed, "vm_kb": _vm_size_kb()}
    reply.write(json.dumps(hello) + "\n")
    if threads != 1:
        return
    signal.signal(signal.SIGCHLD, _reap)
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _run_kernel(request, [reply.fileno(), 0])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        reply.write(json.dumps({"pid": pid, "start": _start_time(pid)}) + "\n")


# ==============================================================================================
# Client (in the grading worker)
# ==============================================================================================
class ForkedKernel:
    """A ``subprocess.Popen`` look-alike for a kernel forked by the server (not our child)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, start: str | None) -> None:
        self.pid = pid
        self._start = start
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                with open(f"/proc/{self.pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                gone = fields[0] in ("Z", "X") or (self._start is not None and fields[19] != self._start)
            except (OSError, IndexError):
                gone = True
            if gone:
                self.returncode = -signal.SIGKILL  # the server reaped it; the true code is not ours
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """The grading worker's handle on its fork server."""

    def __init__(self, env: Mapping[str, str], cwd: Path) -> None:
        server_env = {k: env[k] for k in SERVER_ENV_KEYS if k in env}
        server_env.update(SINGLE_THREAD_ENV)
        server_env["HOME"] = str(cwd)
        if env.get("MPLCONFIGDIR"):
            # matplotlib reads its configuration and font cache once, at import, from here.
            server_env["MPLCONFIGDIR"] = env["MPLCONFIGDIR"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "netmarketing.grading.warmkernel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=server_env,
            cwd=str(cwd),
            text=True,
            bufsize=1,
        )
        hello = self._read(START_TIMEOUT)
        if not hello.get("ready"):
            self.close()
            raise RuntimeError(f"fork server not usable: {hello}")
        self.vm_kb = int(hello.get("vm_kb") or 0)

    def fits(self, memory_mb: int) -> bool:
        """Return True when a kernel forked from here can live under an address-space limit of ``memory_mb``.

        A forked kernel starts with the server's whole address space (about 1.5 GB with the
        course libraries) and needs room for ipykernel's threads and the learner's data.
        """
        return memory_mb * 1024 >= self.vm_kb + KERNEL_HEADROOM_MB * 1024

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError("fork server did not answer")
        return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, argv: Sequence[str], env: Mapping[str, str], sandbox: Sequence[str]) -> ForkedKernel:
        """Fork a kernel running ``ipykernel_launcher argv`` behind the sandbox ``sandbox`` options."""
        assert self.process.stdin is not None
        request = {"argv": list(argv), "env": dict(env), "sandbox": list(sandbox)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = self._read(30)
        return ForkedKernel(int(answer["pid"]), answer.get("start"))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)


_SERVER: ForkServer | None = None
_SERVER_FAILED = False


def fork_server(env: Mapping[str, str], cwd: Path) -> ForkServer | None:
    """Return this process's fork server, started on first use; None when it cannot run here."""
    global _SERVER, _SERVER_FAILED
    if _SERVER is not None and _SERVER.alive():
        return _SERVER
    if _SERVER_FAILED or not sys.platform.startswith("linux"):
        return None
    try:
        _SERVER = ForkServer(env, cwd)
    except Exception as exc:
        _SERVER_FAILED = True
        print(
            f"[netmarketing] 暖核心無法啟動，改用一般核心 (warm kernels unavailable: {exc})", file=sys.stderr
        )
        return None
    return _SERVER


def disable_fork_server() -> None:
    """Stop using warm kernels in this process (after a warm kernel misbehaved)."""
    global _SERVER, _SERVER_FAILED
    _SERVER_FAILED = True
    if _SERVER is not None:
        _SERVER.close()
        _SERVER = None


def kernel_args(kernel_cmd: Sequence[str]) -> list[str] | None:
    """Return the arguments after ``-m ipykernel_launcher`` of a kernel command, or None if it is another kernel."""
    cmd = list(kernel_cmd)
    for i in range(len(cmd) - 1):
        if cmd[i] == "-m" and cmd[i + 1] == "ipykernel_launcher":
            return cmd[i + 2 :]
    return None


if __name__ == "__main__":
    serve()
