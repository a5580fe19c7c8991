"""System accounts of a class hub: one Linux user per learner and instructor, plus the grader account.

Every account the hub creates carries the comment :data:`MARKER` (the GECOS field), so the hub
never adopts or removes an account it did not create (a roster id that names an existing system
user such as ``backup`` is refused). Homes are private (0700).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from netmarketing.hub.settings import USERNAME_RE

MARKER = "netmarketing hub"


class AccountError(RuntimeError):
    """An account the hub cannot create or use (message in zh-TW)."""


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise AccountError(
            f"{' '.join(command)} 失敗 (failed): {result.stderr.strip() or result.stdout.strip()}"
        )


def ensure_group(name: str) -> int:
    """Create the system group ``name`` when missing and return its gid."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run(["groupadd", "--system", name])
        return grp.getgrnam(name).gr_gid


def is_ours(name: str) -> bool:
    """Return True when ``name`` is a system user that this hub created."""
    try:
        return pwd.getpwnam(name).pw_gecos.startswith(MARKER)
    except KeyError:
        return False


def ensure_user(
    name: str, *, home: Path, groups: Iterable[str] = (), role: str = "learner"
) -> pwd.struct_passwd:
    """Create the account ``name`` with a private home (or check the one we made before) and return it.

    Parameters
    ----------
    name : str
        The user name (a roster id or an instructor's account).
    home : Path
        Its home folder; created with mode 0700.
    groups : iterable of str
        Supplementary groups (created when missing).
    role : str
        Written into the account's comment after :data:`MARKER`.

    Raises
    ------
    AccountError
        When ``name`` is not a valid user name, or names an account the hub did not create.
    """
    if not USERNAME_RE.match(name):
        raise AccountError(f"{name!r} 不能當作系統帳號 (not a valid user name)")
    groups = list(groups)
    for group in groups:
        ensure_group(group)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        command = ["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash"]
        command += ["--user-group", "--comment", f"{MARKER} {role}"]
        if groups:
            command += ["--groups", ",".join(groups)]
        home.parent.mkdir(parents=True, exist_ok=True)
        _run([*command, name])
        entry = pwd.getpwnam(name)
    else:
        if not entry.pw_gecos.startswith(MARKER):
            raise AccountError(
                f"系統已有帳號 {name}，但不是教室建立的；請改用其他代號 "
                f"(a system account {name!r} exists and was not created by the hub)"
            )
        missing = [g for g in groups if name not in grp.getgrnam(g).gr_mem]
        if missing:
            _run(["usermod", "--append", "--groups", ",".join(missing), name])
    home = Path(entry.pw_dir)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    return entry


def remove_user(name: str, *, keep_home: bool = False) -> bool:
    """Remove an account the hub created (and its home unless ``keep_home``); return whether it existed.

    Accounts the hub did not create are never touched.
    """
    if not is_ours(name):
        return False
    from netmarketing.grading.sandbox import processes_of_user

    # A server or kernel still running as the user would make userdel fail: stop them all first.
    uid = pwd.getpwnam(name).pw_uid
    deadline = time.monotonic() + 30
    while (pids := processes_of_user(uid)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
    _run(["userdel", *([] if keep_home else ["--remove"]), name])
    return True
