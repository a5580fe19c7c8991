"""A throw-away class hub for tests and benchmarks (root only): test-only accounts, removed afterwards.

Everything it creates is named ``nmt-<tag>...`` (accounts, groups, course id) and lives under
``/srv/nmt-<tag>/``; leaving the ``with`` block stops the hub and every server and removes the
accounts, their homes, the groups and the folder. By default it logs in with JupyterHub's dummy
authenticator and one shared password: never use it for a class.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from netmarketing.grading.workspace import write_roster
from netmarketing.hub import layout
from netmarketing.hub.config import TEST_PASSWORD_ENV
from netmarketing.hub.process import free_port, start_hub, stop_hub
from netmarketing.hub.settings import HubSettings


@dataclass
class TrialHub:
    """A running throw-away hub: its settings and the password every account logs in with."""

    settings: HubSettings
    password: str

    @property
    def url(self) -> str:
        return self.settings.url

    @property
    def instructor(self) -> str:
        return self.settings.instructors[0]

    @property
    def learners(self) -> list[str]:
        return self.settings.learners

    def netmarketing(self, *args: str, as_grader: bool = False, **kwargs) -> subprocess.CompletedProcess:
        """Run the ``netmarketing`` command (as root, or as the grader account in the course folder)."""
        command = [str(Path(sys.executable).parent / "netmarketing"), *args]
        if as_grader:
            return layout.run_as_grader(self.settings, command, **kwargs)
        return subprocess.run(command, **kwargs)


@contextlib.contextmanager
def trial_hub(
    n_learners: int = 2,
    *,
    course: Path,
    release: tuple[str, ...] = ("00_orientation",),
    extra_env: dict[str, str] | None = None,
    mem_limit: str = "3G",
    idle_timeout: int = 3600,
    authenticator: str = "dummy",
    tag: str | None = None,
) -> Iterator[TrialHub]:
    """Start a hub with ``n_learners`` test learners and one instructor, release modules, clean up after.

    Parameters
    ----------
    n_learners : int
        Learners ``nmt-<tag>-01`` ... on the roster.
    course : Path
        The course source folder (``course/`` of the checkout).
    release : tuple of str
        Modules released to the exchange before the block runs.
    extra_env : dict, optional
        Environment of every server (e.g. ``{"NETMARKETING_SCALE": "0.3"}`` for small worlds).
    authenticator : str
        ``"dummy"`` (every account logs in with :attr:`TrialHub.password`) or ``""`` for the
        classroom's own sign-up and approval (the instructor's password is in
        ``state/initial-passwords.csv``).
    """
    tag = tag or secrets.token_hex(2)
    base = Path(f"/srv/nmt-{tag}")
    password = secrets.token_urlsafe(12)
    settings = HubSettings(
        root=base / "hub",
        course_id=f"nmt-{tag}",
        instructors=[f"nmt-{tag}-t"],
        learners=[f"nmt-{tag}-{i:02d}" for i in range(1, n_learners + 1)],
        port=free_port(),
        home_base=base / "homes",
        authenticator=authenticator,
        extra_env=dict(extra_env or {}),
        mem_limit=mem_limit,
        idle_timeout=idle_timeout,
    )
    roster = write_roster(base / "roster.csv", [{"id": n, "first_name": "測試"} for n in settings.learners])
    hub = TrialHub(settings, password)
    try:
        start_hub(
            settings,
            roster=roster,
            course_source=course,
            env={TEST_PASSWORD_ENV: password},
            say=lambda _: None,
        )
        if release:
            done = hub.netmarketing(
                "hub", "release", *release, "--root", str(settings.root), capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"release failed: {done.stdout}{done.stderr}")
        yield hub
    finally:
        stop_hub(settings)
        layout.teardown(settings, remove_accounts=True, say=lambda _: None)
        shutil.rmtree(base, ignore_errors=True)
