"""The walls around a learner's kernel: bubblewrap, resource limits, an own user id, no network.

Every kernel the grader starts runs inside Debian's ``bwrap`` (bubblewrap), a well-kept
tool made for this job, started through ``prlimit`` (util-linux) for its resource limits::

    [cgroup step] prlimit --as ... bwrap [namespaces] [read-only system] [box] -- [setpriv] python -m ipykernel_launcher -f ...

What the kernel sees is an allow-list, not a copy of the machine with holes punched in it:

- read-only: ``/usr`` (and the ``/bin``, ``/lib`` links), a few files of ``/etc`` (fonts,
  the loader cache, time zone), the Python interpreter, the virtual environment and this
  package's source folder;
- read-only at :data:`DATA_MOUNT`: the learner's own data folder (tables only);
- read-write: the submission's *box* (its working copy, the answers it hands in, a home),
  and a private ``/tmp``;
- nothing else: no gradebook, no other submission, no course sources, no grader cache,
  no ``.git``; new pid, network (no interface), IPC and UTS namespaces; all capabilities dropped.

Run as root, the grader additionally gives each worker's kernels their own user id
(``setpriv`` inside the sandbox drops to it after bwrap has built the view) and kills
every process of that user when a submission ends. Run as another user, bwrap builds the
same view in an unprivileged user namespace; the kernel keeps the grader's user id
outside it, but can reach only what the view shows. Where cgroup v2 delegates the
memory and pids controllers to the grader, each submission gets its own cgroup with
``memory.max`` and ``pids.max``; otherwise the rlimits above are the limits.

When bwrap is missing or cannot build a sandbox here, :func:`isolation_problem` says why
and the grader refuses to run learner code unless told ``--unsafe-no-sandbox``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: First user id of the sandbox users (one per worker slot); no such users exist in /etc/passwd.
SANDBOX_UID_BASE = 61000
#: Where a kernel finds its learner data folder (read-only).
DATA_MOUNT = "/netmarketing-data"
#: Files of /etc a kernel needs: the loader cache, fonts, time zone, and user names for getpwuid.
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/fonts",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/mime.types",
)
#: System folders that may be plain folders or (merged /usr) links into /usr.
USR_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@dataclass
class SandboxLimits:
    """Limits of one learner kernel.

    Parameters
    ----------
    memory_mb : int
        Address-space limit of the kernel (``RLIMIT_AS``). This is virtual memory, not
        resident memory: a kernel with pandas, pyarrow and matplotlib reserves about 3 GB of
        address space before it does anything, hence 8 GB. With cgroup v2 the resident
        memory is capped too (``memory.max``, same number).
    cell_timeout : int
        Seconds one cell may run before it is interrupted.
    notebook_budget : int
        Wall-clock seconds for one whole submission (all notebooks, restarts included);
        when spent the kernel is killed.
    max_output_bytes : int
        Output kept per cell; the rest is dropped while the cell runs.
    max_processes : int
        ``RLIMIT_NPROC`` of the sandbox user (root only) and ``pids.max`` (cgroup v2).
    max_file_mb : int
        Largest file the kernel may write (``RLIMIT_FSIZE``).
    """

    memory_mb: int = 8192
    cell_timeout: int = 60
    notebook_budget: int = 600
    max_output_bytes: int = 200_000
    max_processes: int = 256
    max_file_mb: int = 256


def bwrap_path() -> str | None:
    """Return the bubblewrap binary (``$NETMARKETING_BWRAP`` or ``bwrap`` on PATH), or None."""
    configured = os.environ.get("NETMARKETING_BWRAP")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("bwrap")


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _needed_paths() -> list[str]:
    """Return the folders a kernel needs: the base interpreter, the virtual environment, this package."""
    venv = os.path.realpath(sys.prefix)
    package_root = str(Path(__file__).resolve().parents[2])  # src/ of an editable install, or site-packages
    paths = sorted(dict.fromkeys([os.path.realpath(sys.base_prefix), venv, package_root]), key=len)
    # A folder inside another needed folder comes along with it.
    return [p for i, p in enumerate(paths) if not any(p.startswith(q + "/") for q in paths[:i])]


def _parents(path: str) -> list[str]:
    parts = Path(path).parts
    return [str(Path(*parts[:i])) for i in range(2, len(parts))]


def cgroup_v2_root() -> Path | None:
    """Return the cgroup v2 folder where the grader may create per-submission cgroups, or None.

    Only when the unified hierarchy is mounted at ``/sys/fs/cgroup``, the grader's own cgroup
    enables (or may enable) the memory and pids controllers, and it is writable.
    """
    root = Path(os.environ.get("NETMARKETING_CGROUP_ROOT", "/sys/fs/cgroup"))
    try:
        controllers = (root / "cgroup.controllers").read_text().split()
        own = Path("/proc/self/cgroup").read_text().strip().splitlines()
    except OSError:
        return None
    unified = [line.split(":", 2)[2] for line in own if line.startswith("0::")]
    if not unified or not {"memory", "pids"} <= set(controllers):
        return None
    mine = root / unified[0].lstrip("/")
    return mine if os.access(mine, os.W_OK) else None


@dataclass
class Sandbox:
    """The walls of one submission's kernels (see the module docstring)."""

    box: Path
    limits: SandboxLimits
    uid: int | None = None
    data: Path | None = None
    cgroup: Path | None = None

    def command(self, cmd: Sequence[str]) -> list[str]:
        """Return the command that runs ``cmd`` inside this sandbox."""
        bwrap = bwrap_path()
        if bwrap is None:
            raise RuntimeError("bubblewrap (bwrap) is not installed")
        mb = 1024 * 1024
        limits = [
            "prlimit",
            f"--as={self.limits.memory_mb * mb}",
            f"--cpu={self.limits.notebook_budget + 30}",
            f"--fsize={self.limits.max_file_mb * mb}",
            "--core=0",
        ]
        if self.uid is not None:
            limits.append(f"--nproc={self.limits.max_processes}")  # counted per real user id
        argv = [*self._cgroup_step(), *limits, "--", bwrap, *self._bwrap_options(), "--"]
        if self.uid is not None:
            argv += [
                "setpriv",
                f"--reuid={self.uid}",
                f"--regid={self.uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
            ]
        return [*argv, *cmd]

    def _cgroup_step(self) -> list[str]:
        if self.cgroup is None:
            return []
        # The shell moves itself into the submission's cgroup, then becomes the rest of the command.
        return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.cgroup)]

    def _bwrap_options(self) -> list[str]:
        opts = ["--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
        opts += ["--unshare-cgroup-try", "--hostname", "sandbox"]
        if self.uid is None:
            # An unprivileged grader builds the view in a user namespace, then drops every capability.
            opts += ["--unshare-user", "--cap-drop", "ALL"]
        # As root, bwrap keeps its capabilities to enter the box (owned by the sandbox user);
        # setpriv then drops them all together with the user id before the kernel starts.
        # Private /tmp first: folders made below (a box or a clone under /tmp) then land inside it.
        opts += ["--perms", "0755", "--dir", "/etc", "--perms", "0755", "--dir", "/var"]
        opts += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp"]
        opts += ["--ro-bind", "/usr", "/usr"]
        for link in USR_LINKS:
            if os.path.islink(link):
                opts += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                opts += ["--ro-bind", link, link]
        for path in ETC_FILES:
            if os.path.exists(path):
                opts += ["--ro-bind", path, path]
        if os.path.isdir("/var/cache/fontconfig"):
            opts += ["--ro-bind", "/var/cache/fontconfig", "/var/cache/fontconfig"]
        made: set[str] = {"/usr", "/etc", "/var", "/tmp", "/var/tmp"}
        for path in [*_needed_paths(), str(self.box)]:
            # Folders bwrap creates on the way are 0700 by default: the sandbox user must traverse them.
            for parent in _parents(path):
                if parent not in made and not parent.startswith("/usr/"):
                    opts += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
        for path in _needed_paths():
            if path != "/usr" and not path.startswith("/usr/"):
                opts += ["--ro-bind", path, path]
        opts += ["--bind", str(self.box), str(self.box)]
        if self.data is not None:
            opts += ["--ro-bind", str(self.data), DATA_MOUNT]
        opts += ["--chdir", str(self.box / "work")]
        # Inside the new pid namespace the kernel's parent is bwrap's reaper (pid 1); ipykernel would
        # take that for a dead parent and exit. bwrap's --die-with-parent ends the kernel instead.
        opts += ["--setenv", "JPY_PARENT_PID", "1"]
        return opts

    def make_cgroup(self, name: str) -> None:
        """Create this submission's cgroup with its memory and process caps, when cgroup v2 allows."""
        root = cgroup_v2_root()
        if root is None:
            return
        group = root / "netmarketing-grader" / name
        try:
            group.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                (group.parent / "cgroup.subtree_control").write_text("+memory +pids")
            (group / "memory.max").write_text(str(self.limits.memory_mb * 1024 * 1024))
            (group / "pids.max").write_text(str(self.limits.max_processes))
            with contextlib.suppress(OSError):
                (group / "memory.swap.max").write_text("0")
        except OSError:
            return
        self.cgroup = group

    def remove_cgroup(self) -> None:
        """Kill what is left in this submission's cgroup and remove it."""
        if self.cgroup is None:
            return
        with contextlib.suppress(OSError):
            (self.cgroup / "cgroup.kill").write_text("1")
        for _ in range(20):
            try:
                self.cgroup.rmdir()
                break
            except OSError:
                time.sleep(0.05)
        self.cgroup = None


def isolation_problem(base: Path) -> tuple[str, str] | None:
    """Return ``(zh, en)`` when learner kernels cannot be sandboxed here, or None when they can.

    Builds a real sandbox in ``base`` and starts this interpreter in it, as a kernel would be.
    """
    if not sys.platform.startswith("linux"):
        return "只能在 Linux 上隔離學員程式", "learner code can be sandboxed only on Linux"
    if bwrap_path() is None:
        return (
            "找不到 bubblewrap (bwrap)；請安裝（Debian/Ubuntu：apt-get install bubblewrap）",
            "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)",
        )
    if shutil.which("prlimit") is None:
        return "找不到 prlimit（util-linux）", "prlimit (util-linux) is not installed"
    import tempfile

    box = Path(tempfile.mkdtemp(prefix="probe-", dir=base))
    try:
        (box / "work").mkdir()
        # A uid of its own per probing process: two grading runs may probe at the same moment.
        uid = SANDBOX_UID_BASE + 500 + os.getpid() % 400 if running_as_root() else None
        if uid is not None:
            for path in (box, box / "work"):
                os.chown(path, uid, uid)
        sandbox = Sandbox(box, SandboxLimits(), uid=uid)
        probe = "import os, socket; socket.socket().connect_ex(('127.0.0.1', 9)); open('ok', 'w').write('1')"
        done = subprocess.run(
            sandbox.command([sys.executable, "-I", "-c", probe]),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0 or not (box / "work" / "ok").exists():
            detail = (done.stderr or done.stdout).strip()[-300:]
            return (
                f"bubblewrap 無法在這台機器上建立隔離環境：{detail}",
                f"bubblewrap cannot build a sandbox on this machine: {detail}",
            )
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        return f"無法建立隔離環境：{exc}", f"cannot build a sandbox: {exc}"
    finally:
        shutil.rmtree(box, ignore_errors=True)


def make_kernel_manager(sandbox: Sandbox | None, *, kernel_name: str = "python3") -> Any:
    """Return a jupyter_client kernel manager whose kernels start inside ``sandbox`` (None: no walls).

    Interrupts go through the kernel's control channel: a signal to the process group
    would also reach ``bwrap``, which ends the whole sandbox.
    """
    from jupyter_client.manager import AsyncKernelManager

    class SandboxKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = super().format_kernel_cmd(extra_arguments)
            return sandbox.command(cmd) if sandbox is not None else cmd

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if sandbox is not None and sandbox.uid is not None and self.connection_file:
                # The kernel runs as the sandbox user and must read its connection file.
                os.chown(self.connection_file, sandbox.uid, sandbox.uid)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_interrupt_kernel(self) -> None:
            if sandbox is None:
                return await super()._async_interrupt_kernel()
            msg = self.session.msg("interrupt_request", content={})
            self._connect_control_socket()
            self.session.send(self._control_socket, msg)

        # AsyncKernelManager binds these names to the base functions: point them at ours.
        interrupt_kernel = _async_interrupt_kernel
        _launch_kernel = _async_launch_kernel

    return SandboxKernelManager(kernel_name=kernel_name)


def local_kernel_manager(folder: Path, *, kernel_name: str = "python3") -> Any:
    """Return a kernel manager for a trusted notebook (the course's own solutions) run without walls.

    Its sockets are Unix sockets in ``folder``: nothing listens on TCP, and ipykernel does not
    warn about unencrypted TCP on every start.
    """
    km = make_kernel_manager(None, kernel_name=kernel_name)
    km.transport = "ipc"
    km.ip = str(Path(folder) / "ipc")
    return km


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
    """Kill the process group led by ``pid`` (the sandbox and the kernel inside it)."""
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
