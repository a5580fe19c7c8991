"""Start a program as a hub user, in its own file-system view and resource limits (run as root).

The hub starts every learner's server (and the course service) through this file::

    python -I launch.py --user s001 --hide /srv/repo --keep /srv/netmarketing-hub/exchange \\
        --private-tmp --cgroup netmarketing-hub/s001 --memory 2147483648 --cpu 1 \\
        -- jupyterhub-singleuser --port 50000

Before it ``exec``\\ s the program it

1. puts itself into a memory (and CPU) cgroup of its own, where the machine lets it
   (cgroup v1 or v2; otherwise it says on stderr that the limit is not enforced);
2. enters a private mount namespace and covers, with empty tmpfs mounts, the paths it is told
   to hide (the course repository, the grader's caches, the hub's state) and gives the program
   private ``/tmp``, ``/var/tmp`` and ``/dev/shm``;
3. keeps what the program needs visible even when it sits below a covered or closed folder:
   the Python it runs, its virtual environment, this package, the user's home and any ``--keep``
   path (a folder other users cannot traverse, such as ``/root`` holding pyenv, is covered and
   only the needed folder bound back);
4. drops to the user (its groups, uid and gid) and changes to its home.

It uses the standard library only, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import os
import pwd
import sys
from pathlib import Path

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")
CPU_PERIOD_US = 100_000


# -- cgroups ------------------------------------------------------------------------------------
def _mounts() -> list[tuple[str, str, str]]:
    """Return ``(mount point, file-system type, super options)`` of every mount of this process."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) >= 5 and len(rest) >= 3:
            found.append((fields[4], rest[0], rest[2]))
    return found


def _own_cgroups() -> dict[str, str]:
    """Return ``{controller or "": path}`` from ``/proc/self/cgroup`` ("" is the v2 hierarchy)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def cgroup_folders(name: str) -> dict[str, Path]:
    """Return where the cgroup ``name`` (below this process's own) lives, per controller.

    ``{"memory": ..., "cpu": ...}`` on cgroup v1; ``{"unified": ...}`` on cgroup v2 with the
    memory controller available; ``{}`` when neither is mounted.
    """
    own = _own_cgroups()
    folders: dict[str, Path] = {}
    for point, fstype, options in _mounts():
        opts = set(options.split(","))
        for controller in ("memory", "cpu"):
            if fstype == "cgroup" and controller in opts and controller in own:
                folders[controller] = Path(point) / own[controller].lstrip("/") / name
        if fstype == "cgroup2" and "" in own:
            base = Path(point) / own[""].lstrip("/")
            with contextlib.suppress(OSError):
                if "memory" in (Path(point) / "cgroup.controllers").read_text().split():
                    folders.setdefault("unified", base / name)
    return folders


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def join_cgroup(name: str, *, memory: int, cpu: float) -> list[str]:
    """Move this process into cgroup ``name`` with ``memory`` bytes and ``cpu`` cores; return what holds.

    Returns the limits that are enforced (``"memory"``, ``"cpu"``); a limit the machine does not
    offer is left out, and the caller says so.
    """
    enforced = []
    folders = cgroup_folders(name)
    pid = str(os.getpid())
    if "unified" in folders:
        folder = folders["unified"]
        base = Path(*folder.parts[: len(folder.parts) - len(Path(name).parts)])
        try:
            # v2: a controller works in a cgroup only when every parent switched it on for its children.
            current = base
            for part in Path(name).parts:
                with contextlib.suppress(OSError):
                    _write(current / "cgroup.subtree_control", "+memory +cpu")
                current = current / part
                current.mkdir(exist_ok=True)
            if memory:
                _write(folder / "memory.max", str(memory))
                enforced.append("memory")
            if cpu:
                with contextlib.suppress(OSError):
                    _write(folder / "cpu.max", f"{int(cpu * CPU_PERIOD_US)} {CPU_PERIOD_US}")
                    enforced.append("cpu")
            _write(folder / "cgroup.procs", pid)
        except OSError:
            return []
        return enforced
    for controller, setting in (("memory", memory), ("cpu", cpu)):
        folder = folders.get(controller)
        if folder is None or not setting:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if controller == "memory":
                _write(folder / "memory.limit_in_bytes", str(setting))
            else:
                _write(folder / "cpu.cfs_period_us", str(CPU_PERIOD_US))
                _write(folder / "cpu.cfs_quota_us", str(int(setting * CPU_PERIOD_US)))
            _write(folder / "cgroup.procs", pid)
            enforced.append(controller)
        except OSError:
            continue
    return enforced


def remove_cgroup(name: str) -> None:
    """Remove the (empty) cgroup ``name`` and everything below it, innermost first; ignore what is busy."""
    for folder in set(cgroup_folders(name).values()):
        if folder.is_dir():
            for path in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                with contextlib.suppress(OSError):
                    path.rmdir()
            with contextlib.suppress(OSError):
                folder.rmdir()


# -- mounts ---------------------------------------------------------------------------------------
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def closed_ancestor(path: str) -> str | None:
    """Return the highest folder above ``path`` that other users cannot traverse, if any."""
    parts = Path(path).parts
    for i in range(2, len(parts)):
        ancestor = os.path.join(*parts[:i])
        with contextlib.suppress(OSError):
            if not os.stat(ancestor).st_mode & 0o001:
                return ancestor
    return None


def needed_paths(extra: list[str]) -> list[str]:
    """Return the folders the program needs, outermost only: base Python, venv, this package, ``extra``."""
    venv = os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))
    package_root = str(Path(__file__).resolve().parents[2])  # src/ of an editable install, or site-packages
    paths = [os.path.realpath(p) for p in (sys.base_prefix, venv, package_root, *extra) if p]
    paths = sorted(dict.fromkeys(p for p in paths if os.path.isdir(p)), key=len)
    return [p for i, p in enumerate(paths) if not any(_inside(p, q) for q in paths[:i])]


def plan_covers(hidden: list[str], keep: list[str], *, private_tmp: bool) -> list[tuple[str, str]]:
    """Return the tmpfs mounts to make, outermost first, as ``(path, mode)``.

    Hidden paths get mode ``000`` (unreadable) unless a kept path lies inside them; closed
    ancestors of kept paths and the private temporary folders get ``755`` / ``1777``.
    """
    covers: dict[str, str] = {}
    for path in hidden:
        if os.path.isdir(path):
            covers[path] = "755" if any(_inside(k, path) for k in keep) else "000"
    for ancestor in filter(None, map(closed_ancestor, keep)):
        covers.setdefault(ancestor, "755")
    if private_tmp:
        for path in PRIVATE_TMP:
            if os.path.isdir(path):
                covers[path] = "1777"
    ordered = sorted(covers.items(), key=lambda item: len(item[0]))
    # A cover inside an earlier one is already out of sight.
    return [(p, m) for i, (p, m) in enumerate(ordered) if not any(_inside(p, q) for q, _ in ordered[:i])]


def enter_view(hidden: list[str], keep: list[str], *, private_tmp: bool) -> None:
    """Enter a private mount namespace with ``hidden`` covered and ``keep`` still visible."""
    libc = _libc()
    _check(libc.unshare(_CLONE_NEWNS), "unshare")
    # Nothing mounted below may propagate back to the host.
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount --make-rprivate /")
    covers = plan_covers(hidden, keep, private_tmp=private_tmp)
    kept = [k for k in keep if any(_inside(k, c) and k != c for c, _ in covers)]
    handles = {k: os.open(k, os.O_PATH | os.O_DIRECTORY) for k in kept}
    for path, mode in covers:
        size = "512m" if mode == "1777" else "64k"
        flags = _MS_NOSUID | _MS_NODEV | (_MS_RDONLY if mode == "000" else 0)
        options = f"size={size},mode={mode}".encode()
        _check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, options), f"cover {path}")
    for path, fd in handles.items():
        os.makedirs(path, exist_ok=True)
        source = f"/proc/self/fd/{fd}".encode()
        _check(libc.mount(source, path.encode(), None, _MS_BIND | _MS_REC, None), f"keep {path}")
        os.close(fd)


# -- user -----------------------------------------------------------------------------------------
def become(user: pwd.struct_passwd) -> None:
    """Drop to ``user``: its groups, gid and uid, and its environment names."""
    os.initgroups(user.pw_name, user.pw_gid)
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    os.environ.update(
        HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name, SHELL=user.pw_shell or "/bin/bash"
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="launch.py", description=__doc__.splitlines()[0])
    parser.add_argument("--user", required=True)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--keep", action="append", default=[])
    parser.add_argument("--private-tmp", action="store_true")
    parser.add_argument("--cgroup", default="")
    parser.add_argument("--memory", type=int, default=0, help="bytes")
    parser.add_argument("--cpu", type=float, default=0.0, help="cores")
    parser.add_argument("--cwd", default="")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("no command after --")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    user = pwd.getpwnam(args.user)
    if os.geteuid() != 0:
        sys.exit("launch.py 必須以 root 執行 (must run as root)")
    if args.cgroup and (args.memory or args.cpu):
        enforced = join_cgroup(args.cgroup, memory=args.memory, cpu=args.cpu)
        wanted = [n for n, v in (("memory", args.memory), ("cpu", args.cpu)) if v]
        missing = [n for n in wanted if n not in enforced]
        if missing:
            print(
                f"[launch] 此機器未強制 {', '.join(missing)} 上限 (limits not enforced here)", file=sys.stderr
            )
    keep = needed_paths([user.pw_dir, *args.keep])
    enter_view([os.path.realpath(p) for p in args.hide], keep, private_tmp=args.private_tmp)
    become(user)
    os.chdir(args.cwd or user.pw_dir)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main()
