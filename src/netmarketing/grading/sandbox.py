"""Run a learner's kernel in a sandbox: own user id, own file-system view, resource limits.

The autograder never runs learner code in its own process: learner code runs only
in the Jupyter kernel, and the kernel is started through this file used as a
*launcher* (``python sandbox.py [options] -- python -m ipykernel_launcher -f ...``).
The launcher runs as the grader, then, before it ``exec``\\ s the kernel:

1. (root only) enters new mount and network namespaces, hides the paths it is told
   to hide (the gradebook and submissions folder, the source notebooks, ``.git``) under
   empty read-only tmpfs mounts and gives the kernel private ``/tmp``, ``/var/tmp`` and
   ``/dev/shm``; the network namespace has no interface up, so learner code cannot
   reach the network (the kernel talks to the grader over Unix sockets);
2. sets resource limits: address space (memory), CPU seconds, file size, processes;
3. (root only) drops to a dedicated user id that owns nothing but the sandbox folder;
4. asks Linux to kill the kernel when the grader process dies (``PR_SET_PDEATHSIG``);
5. changes to the sandbox folder, which holds a copy of this one submission only.

A *warm* kernel (:mod:`.warmkernel`) goes through the same steps in :func:`enter_sandbox`,
in a process forked from a server that has the libraries imported, and then runs
ipykernel in place instead of ``exec``.

The module also holds the grader-side helpers: a kernel manager that prefixes the
kernel command with this launcher, and functions that kill every process of a
sandbox user. It imports only the standard library at module level, so that the
launcher starts fast.

Residual risks (documented, not hidden): without root the kernel runs as the grader's
user (limits and a private working folder still apply, but it could read what the
grader can read); the venv and the package source stay readable (the kernel needs
them); learner code and tests share one interpreter, so in-kernel tampering is
detected (see ``integrity``), not made impossible.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import os
import resource
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Linux constants (sched.h, sys/mount.h, sys/prctl.h).
_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REC = 16384
_MS_BIND = 4096
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1

#: First user id of the sandbox users (one per worker slot); no such users exist in /etc/passwd.
SANDBOX_UID_BASE = 61000
PRIVATE_TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass
class SandboxLimits:
    """Limits of one learner kernel.

    Parameters
    ----------
    memory_mb : int
        Address-space limit of the kernel (``RLIMIT_AS``); a memory bomb raises
        ``MemoryError`` or kills the kernel instead of the machine. This is virtual
        memory, not resident memory: a kernel with pandas, pyarrow and matplotlib
        reserves about 3 GB of address space before it does anything (measured: a
        2 GB cap broke ``import matplotlib`` in the course notebooks), hence 8 GB.
    cell_timeout : int
        Seconds one cell may run before it is interrupted.
    notebook_budget : int
        Wall-clock seconds for one whole submission (all notebooks, restarts included);
        when spent the kernel's process group is killed.
    max_output_bytes : int
        Output kept per cell; the rest is dropped while the cell runs.
    max_processes : int
        ``RLIMIT_NPROC`` of the sandbox user (threads count too).
    max_file_mb : int
        Largest file the kernel may write (``RLIMIT_FSIZE``).
    """

    memory_mb: int = 8192
    cell_timeout: int = 60
    notebook_budget: int = 600
    max_output_bytes: int = 200_000
    max_processes: int = 256
    max_file_mb: int = 256
    hidden_paths: list[str] = field(default_factory=list)


def can_isolate() -> bool:
    """Return True when this process may drop privileges and enter namespaces (it runs as root on Linux)."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _closed_ancestor(path: str) -> str | None:
    """Return the highest ancestor of ``path`` that other users cannot traverse, if any."""
    parts = Path(path).parts
    for i in range(2, len(parts)):
        ancestor = os.path.join(*parts[:i])
        if not os.stat(ancestor).st_mode & 0o001:
            return ancestor
    return None


def _enter_namespaces(hidden: Sequence[str], *, network: bool, workdir: str) -> None:
    """Enter private mount (and network) namespaces, hide ``hidden`` paths, give the kernel a private /tmp.

    The kernel still needs its interpreter, virtual environment and this package. Any of
    them may sit below a folder other users cannot traverse (pyenv under ``/root``, a clone
    in a ``mktemp -d`` folder) or inside ``/tmp`` (a clone there): each such folder is
    staged, the closed ancestor or ``/tmp`` is covered by an empty tmpfs, and only the
    needed folder is bound back, so nothing else of a repository there shows.
    """
    libc = _libc()
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    flags = _CLONE_NEWNS | (_CLONE_NEWNET if network else 0)
    _check(libc.unshare(flags), "unshare")
    # Mounts made below must not propagate back to the host.
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    for path in hidden:
        if os.path.isdir(path):
            _check(
                libc.mount(
                    b"tmpfs",
                    path.encode(),
                    b"tmpfs",
                    _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
                    b"size=4k,mode=000",
                ),
                f"hide {path}",
            )
    work = os.path.abspath(workdir)
    private = [d for d in PRIVATE_TMP_DIRS if os.path.isdir(d) and not work.startswith(d.rstrip("/") + "/")]
    needed = _needed_paths()
    covers = sorted({c for c in map(_closed_ancestor, needed) if c})

    def covered(path: str) -> bool:
        return any(path == c or path.startswith(c.rstrip("/") + "/") for c in [*covers, *private])

    stage_root = os.path.dirname(work)
    kept: list[tuple[str, str]] = []
    for index, path in enumerate(needed):
        if covered(path) and not any(path.startswith(k + "/") for k, _ in kept):
            stage = os.path.join(stage_root, f".keep-stage-{index}")
            os.makedirs(stage, exist_ok=True)
            _check(libc.mount(path.encode(), stage.encode(), None, _MS_BIND | _MS_REC, None), f"stage {path}")
            kept.append((path, stage))
    for closed in covers:
        _check(
            libc.mount(b"tmpfs", closed.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=64k,mode=755"),
            f"cover {closed}",
        )
    for path in private:
        _check(
            libc.mount(b"tmpfs", path.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"size=512m,mode=1777"),
            f"private {path}",
        )
    for path, stage in kept:
        os.makedirs(path, exist_ok=True)
        _check(libc.mount(stage.encode(), path.encode(), None, _MS_BIND | _MS_REC, None), f"keep {path}")


def _needed_paths() -> list[str]:
    """Return the folders a kernel needs: the base interpreter, the virtual environment, this package."""
    # This script runs with -I -S, so sys.prefix is the base interpreter: take the venv from the executable.
    venv = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(sys.executable))))
    package_root = str(Path(__file__).resolve().parents[2])  # src/ of an editable install, or site-packages
    paths = sorted(dict.fromkeys([os.path.realpath(sys.base_prefix), venv, package_root]), key=len)
    # A folder inside another needed folder comes along with it.
    return [p for i, p in enumerate(paths) if not any(p.startswith(q + "/") for q in paths[:i])]


def _set_limits(memory_mb: int, cpu_seconds: int, max_processes: int, max_file_mb: int) -> None:
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * mb, memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_mb * mb, max_file_mb * mb))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if os.geteuid() == 0:
        # Counted per real user id: only meaningful once we run as the sandbox user.
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))


def _launcher_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--uid", type=int, default=-1)
    parser.add_argument("--memory-mb", type=int, default=8192)
    parser.add_argument("--cpu-seconds", type=int, default=900)
    parser.add_argument("--max-processes", type=int, default=256)
    parser.add_argument("--max-file-mb", type=int, default=256)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--no-network", action="store_true")
    parser.add_argument("--chown", action="append", default=[])
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    return parser


def enter_sandbox(argv: Sequence[str]) -> list[str]:
    """Turn this process into a sandboxed one as ``argv`` (the launcher options) says; return the command.

    Shared by the launcher below (which then ``exec``\\ s the kernel) and by the warm-kernel
    fork server (:mod:`.warmkernel`, which runs the kernel in the forked process itself), so
    both kinds of kernel live behind exactly the same walls.
    """
    args = _launcher_parser().parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if args.uid >= 0 and os.geteuid() == 0:
        _enter_namespaces(args.hide, network=args.no_network, workdir=args.workdir)
        for path in args.chown:
            os.chown(path, args.uid, args.uid)
    _set_limits(args.memory_mb, args.cpu_seconds, args.max_processes, args.max_file_mb)
    if args.uid >= 0 and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(args.uid)
        os.setuid(args.uid)
    # Set after the uid change: changing credentials clears the parent-death signal.
    with contextlib.suppress(Exception):
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.chdir(args.workdir)
    return cmd


def launcher_main(argv: Sequence[str] | None = None) -> None:
    """Prepare the sandbox and replace this process with the kernel command (never returns)."""
    cmd = enter_sandbox(sys.argv[1:] if argv is None else argv)
    os.execv(cmd[0], cmd)


# ---------------------------------------------------------------------------------------------
# Grader side
# ---------------------------------------------------------------------------------------------
def launcher_prefix(
    workdir: Path,
    *,
    uid: int | None,
    limits: SandboxLimits,
    chown: Sequence[Path] = (),
) -> list[str]:
    """Return the command prefix that starts a kernel inside the sandbox."""
    return _launcher_command(sandbox_options(workdir, uid=uid, limits=limits, chown=chown))


def _launcher_command(options: Sequence[str]) -> list[str]:
    """Return the command that runs this file as the launcher with ``options`` (see :func:`sandbox_options`)."""
    return [sys.executable, "-I", "-S", str(Path(__file__).resolve()), *options]


def sandbox_options(
    workdir: Path,
    *,
    uid: int | None,
    limits: SandboxLimits,
    chown: Sequence[Path] = (),
) -> list[str]:
    """Return the launcher options (see :func:`enter_sandbox`) of one kernel, ending with ``--``."""
    prefix = ["--workdir", str(workdir)]
    prefix += ["--memory-mb", str(limits.memory_mb), "--cpu-seconds", str(limits.notebook_budget + 30)]
    prefix += ["--max-processes", str(limits.max_processes), "--max-file-mb", str(limits.max_file_mb)]
    if uid is not None:
        prefix += ["--uid", str(uid), "--no-network"]
        for path in limits.hidden_paths:
            prefix += ["--hide", str(path)]
        for path in chown:
            prefix += ["--chown", str(path)]
    return [*prefix, "--"]


def probe_isolation(base: Path) -> bool:
    """Return True when the launcher can enter namespaces and drop to a sandbox user here."""
    import shutil
    import subprocess
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="probe-", dir=base))
    try:
        os.chmod(work, 0o755)
        prefix = launcher_prefix(work, uid=SANDBOX_UID_BASE + 999, limits=SandboxLimits())
        return (
            subprocess.run([*prefix, sys.executable, "-c", "0"], capture_output=True, timeout=60).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_kernel_manager(sandbox: Sequence[str], *, kernel_name: str = "python3", warm: Any = None):
    """Return a jupyter_client kernel manager whose kernels live behind the ``sandbox`` options.

    The options come from :func:`sandbox_options`. A cold kernel is started through this file
    as the launcher; with ``warm`` (a :class:`.warmkernel.ForkServer`), an IPython kernel is
    forked from that server instead and enters the same sandbox there.
    """
    from jupyter_client.manager import AsyncKernelManager

    from netmarketing.grading.warmkernel import kernel_args

    class SandboxKernelManager(AsyncKernelManager):
        warm_kernel = False

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            return [*_launcher_command(sandbox), *super().format_kernel_cmd(extra_arguments)]

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            args = kernel_args(kernel_cmd) if warm is not None and warm.alive() else None
            if args is None:
                self.warm_kernel = False
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            provisioner.process = warm.spawn(args, kw.get("env") or {}, sandbox)
            provisioner.pid = provisioner.pgid = provisioner.process.pid
            provisioner.cwd = kw.get("cwd")
            self.warm_kernel = True
            self._reconcile_connection_info(provisioner.connection_info)

    return SandboxKernelManager(kernel_name=kernel_name)


def processes_of_user(uid: int) -> list[int]:
    """Return the process ids that run as ``uid`` (from ``/proc``)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("Uid:"):
                    if int(line.split()[1]) == uid:
                        pids.append(int(entry.name))
                    break
        except (OSError, ValueError):
            continue
    return pids


def kill_user_processes(uid: int, *, rounds: int = 3) -> int:
    """Kill every process of a sandbox user (forked children included); return how many were killed."""
    killed = 0
    for _ in range(rounds):
        pids = processes_of_user(uid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.05)
    return killed


def kill_process_group(pid: int | None) -> None:
    """Kill the process group led by ``pid`` (the kernel runs in its own session)."""
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    launcher_main()
