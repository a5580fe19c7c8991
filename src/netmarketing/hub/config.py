"""JupyterHub configuration of a class hub, built from :class:`~netmarketing.hub.settings.HubSettings`.

``jupyterhub_config.py`` (next to this file) calls :func:`configure`; ``netmarketing hub start``
runs ``jupyterhub -f`` on it with ``NETMARKETING_HUB_ROOT`` set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from netmarketing.hub.layout import grader_env, launcher_command
from netmarketing.hub.settings import HubSettings

#: The hub-managed service that the ``netmarketing hub`` commands (status, bench) talk through.
ADMIN_SERVICE = "netmarketing-admin"
IDLE_CULLER = "idle-culler"
TEST_PASSWORD_ENV = "NETMARKETING_HUB_TEST_PASSWORD"
LOGIN_NOTE = (
    "第一次使用：請按「Sign up」，以學員代號（名單上的 id）與自訂密碼註冊，{approval}"
    "登入後會開啟繁體中文的 JupyterLab，作業在「Nbgrader → Assignment List」。"
)


def admin_token_path(settings: HubSettings) -> Path:
    return settings.state_dir / "admin-api-token"


def admin_token(settings: HubSettings) -> str:
    """Return the token of the admin service (created on first use, readable by root only)."""
    path = admin_token_path(settings)
    if not path.exists():
        import secrets

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def configure(c: Any, settings: HubSettings) -> Any:
    """Fill JupyterHub's config object ``c`` for the class hub ``settings`` and return it."""
    state = settings.state_dir
    venv_bin = Path(sys.executable).parent
    course = settings.course_id

    c.JupyterHub.ip = settings.ip
    c.JupyterHub.port = settings.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    if settings.hub_api_port:
        c.JupyterHub.hub_port = settings.hub_api_port
    c.JupyterHub.db_url = settings.hub_db_url or f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(settings.pid_path)
    if settings.ssl_cert:
        c.JupyterHub.ssl_cert = settings.ssl_cert
        c.JupyterHub.ssl_key = settings.ssl_key
    # The proxy comes from npm, installed into the environment by scripts/setup_venv.sh.
    c.ConfigurableHTTPProxy.command = [str(venv_bin / "configurable-http-proxy")]
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
    if settings.proxy_api_port:
        c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"

    # -- who logs in ------------------------------------------------------------------------
    c.Authenticator.admin_users = set(settings.instructors)
    if settings.authenticator == "dummy":  # tests only: one shared password, set in the environment
        c.JupyterHub.authenticator_class = "dummy"
        c.DummyAuthenticator.password = os.environ[TEST_PASSWORD_ENV]
        c.Authenticator.allowed_users = set(settings.learners)
    else:
        import nativeauthenticator

        c.JupyterHub.authenticator_class = "netmarketing.hub.auth.RosterAuthenticator"
        c.RosterAuthenticator.roster = set(settings.learners)
        c.RosterAuthenticator.require_approval = settings.auth == "approval"
        c.RosterAuthenticator.minimum_password_length = 8
        c.RosterAuthenticator.check_common_password = True
        c.RosterAuthenticator.allowed_failed_logins = 5
        c.RosterAuthenticator.seconds_before_next_try = 300
        c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
        approval = "再等講師核准；" if settings.auth == "approval" else "第一次註冊即設定密碼；"
        c.JupyterHub.template_vars = {"announcement_login": LOGIN_NOTE.format(approval=approval)}

    # -- learners' servers ----------------------------------------------------------------------
    c.JupyterHub.spawner_class = "netmarketing.hub.spawner.ClassroomSpawner"
    c.ClassroomSpawner.hub_root = str(settings.root)
    c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.mem_limit = settings.mem_limit
    c.Spawner.cpu_limit = settings.cpu_limit
    # A small machine starting many servers at the start of a lesson needs minutes, not seconds
    # (bench_hub.py: 30 learners arriving over 2.5 minutes on 2 busy cores waited up to 5 minutes).
    c.Spawner.start_timeout = 600
    c.Spawner.http_timeout = 600

    # -- instructors: the course service (formgrader and the grading terminal) ---------------------
    c.JupyterHub.load_groups = {
        f"formgrade-{course}": {"users": list(settings.instructors)},
        f"nbgrader-{course}": {"users": list(settings.learners)},
    }
    service_env = grader_env(settings) | {"JUPYTERHUB_DEFAULT_URL": "/lab"}
    grader_cmd = launcher_command(settings, settings.grader, limits=False, cwd=settings.course_root)
    c.JupyterHub.services = [
        {
            # nbgrader's convention: the formgrader service is named after the course.
            "name": course,
            "url": f"http://127.0.0.1:{settings.service_port}",
            "command": [*grader_cmd, str(venv_bin / "jupyterhub-singleuser")],
            "environment": service_env,
            "oauth_no_confirm": True,
            "display": True,
        },
        {
            "name": IDLE_CULLER,
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={settings.idle_timeout}"],
        },
        {"name": ADMIN_SERVICE, "api_token": admin_token(settings)},
    ]
    c.JupyterHub.load_roles = [
        {
            "name": f"formgrade-{course}",
            "groups": [f"formgrade-{course}"],
            "scopes": [
                f"access:services!service={course}",
                "list:services",
                f"read:services!service={course}",
            ],
        },
        {
            "name": IDLE_CULLER,
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": [IDLE_CULLER],
        },
        {
            "name": ADMIN_SERVICE,
            "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users", "list:services"],
            "services": [ADMIN_SERVICE],
        },
    ]
    return c
