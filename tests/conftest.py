"""Shared fixtures: the real browser (Playwright driving Debian's chromium).

Browser tests take the ``page`` fixture (a fresh page in a zh-TW browser context).
When such a test fails, the page's screenshot and HTML are kept in
``test-artifacts/<test name>/`` (git-ignored), so the next person can see what broke.
The ``axe`` fixture scans the page for accessibility problems with axe-core
(``axe(page)`` returns the serious and critical violations; ``assert not axe(page)``).
:func:`running_lab` starts a learner's JupyterLab (``netmarketing lab``) for such tests.
Playwright's own browser download never runs here: it cannot reach its host, so the
tests use ``/usr/bin/chromium`` (installed by ``scripts/setup_system.sh``).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from netmarketing.hub.process import free_port

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("NETMARKETING_CHROMIUM", "/usr/bin/chromium")
#: Flags a headless chromium needs on a closed network, as root, in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so fixtures know whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    """Return a headless Debian chromium driven by Playwright (fails clearly when it is missing)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"找不到 {CHROMIUM}：請以 root 執行 `make setup` 安裝 chromium "
            f"(no chromium at {CHROMIUM}; `make setup` as root installs Debian's chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def artifact_dir(node_name: str) -> Path:
    """Return the folder that keeps what a failed browser test saw."""
    return ARTIFACTS / re.sub(r"[^\w.-]+", "_", node_name)[:120]


@pytest.fixture
def page(browser, request):
    """Yield a fresh zh-TW page; on failure keep its screenshot and HTML in ``test-artifacts/``."""
    context = browser.new_context(locale="zh-TW", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        keep_page(page, request.node.name)
    context.close()


def keep_page(page, name: str) -> Path:
    """Save ``page``'s screenshot and HTML under ``test-artifacts/<name>/`` and return the folder."""
    folder = artifact_dir(name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(folder / "page.png"), full_page=True)
        (folder / "page.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # a crashed page still leaves a note
        (folder / "error.txt").write_text(repr(exc), encoding="utf-8")
    return folder


#: axe-core rule sets scanned: WCAG 2.0/2.1 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
#: Impacts that fail a page; minor and moderate findings are reported by axe but do not fail.
AXE_BLOCKING = ("serious", "critical")


class AxeViolations(list):
    """Violations of an axe-core scan; ``str()`` lists each rule, its help and the elements (for assert messages)."""

    def __str__(self) -> str:
        lines = []
        for v in self:
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            lines += [f"    {', '.join(map(str, n['target']))}: {n['html'][:160]}" for n in v["nodes"][:5]]
        return "\n".join(lines) or "no serious or critical violations"


@pytest.fixture
def axe():
    """Return ``scan(page, context=None)``: the serious and critical axe-core violations of ``page``.

    axe-core comes from the PyPI package ``axe-playwright-python`` (its bundled ``axe.min.js`` is
    injected into the page); nothing is downloaded while testing. ``context`` is an axe context,
    e.g. ``{"exclude": [".jp-OutputArea"]}``.
    """
    from axe_playwright_python.sync_playwright import Axe

    engine = Axe()

    def scan(page, context=None) -> AxeViolations:
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        results = engine.run(page, context=context, options=options).response
        return AxeViolations(v for v in results["violations"] if v.get("impact") in AXE_BLOCKING)

    return scan


#: The token of every lab a test starts.
LAB_TOKEN = "netmarketing-test"


@contextlib.contextmanager
def running_lab(workspace: Path, *lab_args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``netmarketing lab --autograder WORKSPACE *lab_args`` on a free local port; yield its base URL.

    The server takes the token :data:`LAB_TOKEN`; it is stopped (with its kernels) on leaving.
    """
    port = free_port()
    netmarketing = Path(sys.executable).parent / "netmarketing"
    proc = subprocess.Popen(
        [str(netmarketing), "lab", "--autograder", str(workspace), *lab_args, "--", "--no-browser",
         f"--port={port}", f"--ServerApp.token={LAB_TOKEN}", "--ServerApp.ip=127.0.0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env or os.environ.copy(),
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={LAB_TOKEN}", timeout=10) as answer:
                    json.loads(answer.read())  # loopback only
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"JupyterLab did not start:\n{out[-3000:]}")
                time.sleep(1)
        yield base
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


# -- a throw-away PostgreSQL server (shared gradebook tests) ---------------------------------------
class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) reachable through a socket in its own folder."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
        if not found:
            pytest.fail(
                "找不到 PostgreSQL：請以 root 執行 `make setup`（安裝 Debian 的 postgresql）"
                "(no PostgreSQL server binaries: `make setup` as root installs Debian's postgresql)"
            )
        self.bin = Path(found[-1]).parent
        # PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` account.
        self.user = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="nmt-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if self.user:
            shutil.chown(self.folder, self.user, self.user)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=self.folder,
            user=self.user,
            group=self.user,
            check=True,
        )

    def start(self) -> None:
        self.run(
            "initdb", "-D", str(self.data), "-U", "netmarketing", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        options = f"-k {self.folder} -c listen_addresses='' -p {self.port} -c fsync=off"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        """Return the SQLAlchemy URL of ``database`` (created here when it does not exist yet)."""
        import psycopg

        with psycopg.connect(
            host=str(self.folder), port=self.port, user="netmarketing", dbname="postgres"
        ) as db:
            db.autocommit = True
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                db.execute(f'CREATE DATABASE "{database}"')
        return f"postgresql+psycopg://netmarketing@/{database}?host={self.folder}&port={self.port}"


@pytest.fixture(scope="session")
def postgres():
    """Yield a running PostgreSQL server, stopped and removed at the end of the session."""
    server = PostgresServer()
    server.start()
    yield server
    server.stop()
