"""Is every learner kernel walled in by bubblewrap, and does the grader refuse to run without walls?"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from netmarketing.grading import sandbox
from netmarketing.grading.sandbox import Sandbox, SandboxLimits, isolation_problem


def _box(base: Path, uid: int | None) -> Path:
    box = Path(tempfile.mkdtemp(prefix="box-", dir=base))
    os.chmod(box, 0o711)
    (box / "work").mkdir()
    if uid is not None:
        os.chown(box / "work", uid, uid)
    return box


def test_command_builds_an_allow_list_view(tmp_path):
    """Does the sandbox command unshare network and pids, bind only what a kernel needs, and drop to the uid?"""
    box = tmp_path / "box"
    (box / "work").mkdir(parents=True)
    cmd = Sandbox(box, SandboxLimits(memory_mb=1000), uid=61010, data=tmp_path / "data").command(["python"])
    assert cmd[0] == "prlimit" and f"--as={1000 * 1024 * 1024}" in cmd and "--nproc=256" in cmd
    assert {"--unshare-net", "--unshare-pid", "--die-with-parent"} <= set(cmd)
    assert "--unshare-user" not in cmd  # as root: a real sandbox user instead
    pairs = {(cmd[i + 1], cmd[i + 2]) for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")}
    assert (str(box), str(box)) in pairs and (str(tmp_path / "data"), sandbox.DATA_MOUNT) in pairs
    assert not any(src == "/" or src == str(Path.home()) for src, _ in pairs)
    setpriv = cmd.index("setpriv")
    assert "--reuid=61010" in cmd[setpriv:] and cmd[-1] == "python"
    unprivileged = Sandbox(box, SandboxLimits(), uid=None).command(["python"])
    assert "--unshare-user" in unprivileged and "setpriv" not in unprivileged


def test_cgroup_step_moves_the_kernel_into_its_cgroup(tmp_path):
    """With a cgroup v2 folder, does the command enter it before anything else starts?"""
    box = tmp_path / "box"
    (box / "work").mkdir(parents=True)
    sb = Sandbox(box, SandboxLimits(), uid=None, cgroup=tmp_path / "cg")
    cmd = sb.command(["python"])
    assert cmd[:3] == ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"'] and cmd[3] == str(
        tmp_path / "cg"
    )


def test_cgroup_v2_is_used_only_where_delegated(tmp_path, monkeypatch):
    """Is a cgroup v2 root used only when it offers memory and pids and is writable?"""
    monkeypatch.setenv("NETMARKETING_CGROUP_ROOT", str(tmp_path))
    assert sandbox.cgroup_v2_root() is None  # no cgroup.controllers
    (tmp_path / "cgroup.controllers").write_text("cpu io\n")
    assert sandbox.cgroup_v2_root() is None  # no memory controller


def test_missing_bubblewrap_is_named(tmp_path, monkeypatch):
    """Without bwrap, is the problem said in zh-TW and English, with the package to install?"""
    monkeypatch.setenv("NETMARKETING_BWRAP", str(tmp_path / "no-bwrap"))
    zh, en = isolation_problem(tmp_path)
    assert "bubblewrap" in zh and "apt-get install bubblewrap" in en


def test_grading_refuses_without_a_sandbox_unless_told(tmp_path, monkeypatch):
    """Does grading refuse (naming --unsafe-no-sandbox) when no sandbox can be built, and go on when told?"""
    from netmarketing.cli import UserError
    from netmarketing.grading.autograde import sandbox_mode

    monkeypatch.setenv("NETMARKETING_BWRAP", str(tmp_path / "no-bwrap"))
    with pytest.raises(UserError, match="--unsafe-no-sandbox"):
        sandbox_mode(tmp_path, unsafe=False)
    assert sandbox_mode(tmp_path, unsafe=True) == "none"
    monkeypatch.delenv("NETMARKETING_BWRAP")
    assert sandbox_mode(tmp_path, unsafe=True) in ("bwrap+uid", "bwrap")  # walls whenever they can be built


@pytest.mark.slow
def test_kernel_sees_only_its_box_and_no_network():
    """Inside the sandbox, is the process the sandbox user, cut off from the network and from the repository?"""
    base = Path(tempfile.mkdtemp(prefix="nm-sandbox-"))
    os.chmod(base, 0o711)
    uid = 61020 if sandbox.running_as_root() else None
    box = _box(base, uid)
    repo = Path(__file__).resolve().parents[1]
    probe = (
        "import os, socket\n"
        "print(os.getuid())\n"
        f"print(os.path.exists({str(repo / 'autograder')!r}), os.path.exists({str(repo / '.git')!r}))\n"
        "s = socket.socket(); s.settimeout(1)\n"
        "try:\n    s.connect(('1.1.1.1', 80)); print('net')\nexcept OSError:\n    print('no-net')\n"
        "open('written', 'w').write('x')\n"
    )
    try:
        cmd = Sandbox(box, SandboxLimits(), uid=uid).command([sys.executable, "-I", "-c", probe])
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout.split()
        assert out[1:] == ["False", "False", "no-net"]
        if uid is not None:
            assert out[0] == str(uid)
        assert (box / "work" / "written").exists()
    finally:
        if uid is not None:
            sandbox.kill_user_processes(uid)
        shutil.rmtree(base, ignore_errors=True)
