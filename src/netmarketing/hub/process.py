"""Start, stop and ask about the JupyterHub process of a class hub."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from netmarketing.hub import config, layout
from netmarketing.hub.settings import HubSettings

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")


class HubError(RuntimeError):
    """A hub that cannot start or be reached (message in zh-TW)."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proxy_command() -> Path:
    return Path(sys.executable).parent / "configurable-http-proxy"


def read_pid(settings: HubSettings) -> int | None:
    """Return the hub's process id when it is running, else None."""
    try:
        pid = int(settings.pid_path.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def api(
    settings: HubSettings, path: str, *, method: str = "GET", body: dict | None = None, timeout: float = 30
):
    """Call the hub's REST API (``/hub/api/<path>``) as the admin service and return the JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{local_url(settings)}/hub/api/{path.lstrip('/')}",
        data=data,
        method=method,
        headers={
            "Authorization": f"token {config.admin_token(settings)}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def local_url(settings: HubSettings) -> str:
    """Return where this machine reaches the hub: through the proxy, or (HTTPS) the hub's own local port."""
    return f"http://127.0.0.1:{settings.hub_api_port}" if settings.ssl_cert else settings.url


def healthy(settings: HubSettings) -> bool:
    """Return True when the hub answers."""
    try:
        with urllib.request.urlopen(f"{local_url(settings)}/hub/health", timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start_hub(
    settings: HubSettings,
    *,
    roster: Path,
    course_source: Path,
    env: dict[str, str] | None = None,
    timeout: float = 240,
    say: Callable[[str], None] = print,
) -> int:
    """Set up the machine for ``settings`` and start JupyterHub in the background; return its pid.

    Parameters
    ----------
    settings : HubSettings
        The hub; its ports of value 0 are chosen here and saved in ``hub.json``.
    roster : Path
        The roster the learners came from (copied into the course folder, given to ``data release``).
    course_source : Path
        The source notebooks a new course folder starts from.
    env : dict, optional
        Extra environment of the JupyterHub process (tests pass the dummy password this way).
    timeout : float
        Seconds to wait for the hub to answer.

    Raises
    ------
    HubError
        When this is not Linux as root, the proxy is missing, a hub already runs, or it does not come up.
    """
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        raise HubError("教室必須在 Linux 上以 root 啟動（要建立帳號並切換使用者）(run as root on Linux)")
    if not proxy_command().exists():
        raise HubError(
            f"找不到 {proxy_command()}：請執行 make setup（以 npm 安裝 configurable-http-proxy）"
            "(the proxy is missing: run `make setup`, which installs it from npm)"
        )
    if read_pid(settings):
        raise HubError(f"教室已在執行中 (a hub already runs): {settings.url}")
    try:
        settings.validate()
    except ValueError as exc:
        raise HubError(str(exc)) from exc
    for name in ("service_port", "hub_api_port", "proxy_api_port"):
        if not getattr(settings, name):
            setattr(settings, name, free_port())
    settings.hidden = layout.hidden_paths(settings)
    settings.save()
    prepared = layout.prepare(settings, roster=roster, course_source=course_source, say=say)
    for note in prepared.notes:
        say(f"注意 (note): {note}")

    log = open(settings.log_path, "ab")  # handed to the child process
    child_env = {**os.environ, **layout.hub_env(settings), **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)],
        cwd=settings.state_dir,
        env=child_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while not healthy(settings):
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            tail = settings.log_path.read_text(errors="replace")[-3000:]
            raise HubError(f"JupyterHub 沒有啟動 (did not start); 紀錄 (log) {settings.log_path}:\n{tail}")
        time.sleep(0.5)
    if settings.authenticator != "dummy" and settings.instructors:
        given = _provision_instructors(settings)
        if given:
            say(
                f"講師的初始密碼在 (initial instructor passwords in) {settings.state_dir / 'initial-passwords.csv'}"
            )
    return process.pid


def _provision_instructors(settings: HubSettings) -> dict[str, str]:
    from netmarketing.hub.auth import provision_passwords

    db_url = settings.hub_db_url or f"sqlite:///{settings.state_dir / 'jupyterhub.sqlite'}"
    return provision_passwords(db_url, settings.instructors, settings.state_dir / "initial-passwords.csv")


def stop_hub(settings: HubSettings, *, timeout: float = 120) -> bool:
    """Stop JupyterHub (it stops every server, the services and the proxy); return whether it ran.

    Whatever JupyterHub could not stop itself (it was killed, or ran out of time on a loaded
    machine) is stopped afterwards: the proxy by its pid file, servers and services by the hub
    API address in their environment.
    """
    pid = read_pid(settings)
    if pid is None:
        _stop_leftover_proxy(settings)
        _stop_orphans(settings)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        _reap(pid)
        time.sleep(0.3)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _reap(pid)
    _stop_leftover_proxy(settings)
    _stop_orphans(settings)
    from netmarketing.hub.launch import remove_cgroup

    remove_cgroup("netmarketing-hub")  # empty cgroups only: busy ones (another hub's) stay
    return True


def _reap(pid: int) -> None:
    """Collect ``pid`` when it is our child (it is when this process started the hub)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _stop_leftover_proxy(settings: HubSettings) -> None:
    """Stop the proxy when JupyterHub could not (e.g. it was killed); found by its pid file only."""
    pid_file = settings.state_dir / "proxy.pid"
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"configurable-http-proxy" in cmdline:
            os.kill(pid, signal.SIGTERM)
        pid_file.unlink()


def _stop_orphans(settings: HubSettings) -> None:
    """Stop processes the hub started and left behind, known by this hub's API address in their environment."""
    if not settings.hub_api_port:
        return
    marker = f"JUPYTERHUB_API_URL=http://127.0.0.1:{settings.hub_api_port}/hub/api".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                os.kill(int(entry.name), signal.SIGTERM)


@dataclass
class HubStatus:
    """What ``netmarketing hub status`` reports."""

    running: bool
    url: str
    servers: dict[str, str]
    learners: int


def hub_status(settings: HubSettings) -> HubStatus:
    """Return whether the hub runs and whose servers are up (``{user: "ready" | "pending"}``)."""
    running = read_pid(settings) is not None and healthy(settings)
    servers = {}
    if running:
        for user in api(settings, "users?state=active") or []:
            for server in user.get("servers", {}).values():
                servers[user["name"]] = "ready" if server.get("ready") else "pending"
    return HubStatus(running=running, url=settings.url, servers=servers, learners=len(settings.learners))
