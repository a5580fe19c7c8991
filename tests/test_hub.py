"""Fast tests of the class hub's parts: settings, the launcher's view and limits, accounts, the
private exchange, the roster authenticator, and the JupyterHub configuration.

The whole class in a real browser is ``test_hub_browser.py`` (slow). Tests that create users,
chown files or enter namespaces need root (CI runs as root) and are skipped otherwise.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from netmarketing.hub import launch
from netmarketing.hub.settings import HubSettings, parse_size

REPO = Path(__file__).resolve().parents[1]
needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (users, chown, namespaces)"
)


def settings_for(tmp: Path, **overrides) -> HubSettings:
    values = {
        "root": tmp / "hub",
        "course_id": "nmt-unit",
        "instructors": ["teacher"],
        "learners": ["s001", "s002"],
        "home_base": tmp / "homes",
    }
    return HubSettings(**(values | overrides))


# -- settings -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2G", 2 * 1024**3),
        ("512M", 512 * 1024**2),
        ("1.5G", int(1.5 * 1024**3)),
        ("4096", 4096),
        ("64k", 65536),
    ],
)
def test_sizes_read_like_jupyterhub_limits(text, expected):
    """Does a memory size such as 2G or 512M become the right number of bytes?"""
    assert parse_size(text) == expected


def test_a_bad_size_is_a_clear_error():
    """Is a size that is not one refused with a zh-TW message?"""
    with pytest.raises(ValueError, match="記憶體大小"):
        parse_size("two gigs")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"learners": ["S001"]}, "系統帳號"),
        ({"learners": ["1abc"]}, "系統帳號"),
        ({"learners": ["a" * 33]}, "系統帳號"),
        ({"learners": ["teacher"]}, "同時是講師和學員"),
        ({"instructors": []}, "至少需要一位講師"),
        ({"auth": "open"}, "登入方式"),
        ({"course_id": "Course 1"}, "課程代號"),
        ({"root": Path("/tmp/hub")}, "/tmp"),
        ({"home_base": Path("/var/tmp/homes")}, "/tmp"),
        ({"ssl_cert": "/etc/cert.pem"}, "--ssl-key"),
        ({"cpu_limit": 0}, "CPU"),
    ],
)
def test_settings_a_hub_cannot_start_with_are_refused(tmp_path, overrides, message):
    """Are names that cannot be accounts, a learner who is also an instructor, a hub under /tmp,
    and half an HTTPS set-up refused before anything is created?"""
    with pytest.raises(ValueError, match=message):
        settings_for(tmp_path, **overrides).validate()


def test_good_settings_pass_and_survive_a_round_trip(tmp_path):
    """Do valid settings validate, and come back equal from hub.json (readable by all, no secrets)?"""
    settings_for(Path("/srv/class"), mem_limit="1G").validate()
    settings = settings_for(tmp_path, extra_env={"NETMARKETING_SCALE": "0.3"}, mem_limit="1G")
    path = settings.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert HubSettings.load(settings.root) == settings


def test_loading_a_hub_that_never_started_says_so(tmp_path):
    """Does reading settings from an empty folder tell the user to start a hub first?"""
    with pytest.raises(FileNotFoundError, match="netmarketing hub start"):
        HubSettings.load(tmp_path)


# -- the launcher's plan (pure) -------------------------------------------------------------------
def test_hidden_paths_are_sealed_unless_something_needed_lies_inside(srv_tmp):
    """Is a hidden folder covered unreadable (000), but traversable (755) when a kept folder is inside it?"""
    repo, other = srv_tmp / "repo", srv_tmp / "other"
    (repo / ".venv").mkdir(parents=True)
    other.mkdir()
    plan = dict(launch.plan_covers([str(repo), str(other)], [str(repo / ".venv")], private_tmp=False))
    assert plan[str(repo)] == "755"
    assert plan[str(other)] == "000"


def test_a_folder_others_cannot_enter_is_covered_and_only_the_needed_part_kept(srv_tmp):
    """When the interpreter sits below a 0700 folder (pyenv under /root), is that folder covered (755)?"""
    closed = srv_tmp / "closed"
    needed = closed / "python"
    needed.mkdir(parents=True)
    os.chmod(closed, 0o700)
    assert launch.closed_ancestor(str(needed)) == str(closed)
    plan = launch.plan_covers([], [str(needed)], private_tmp=False)
    assert (str(closed), "755") in plan


def test_covers_inside_covers_are_dropped_and_tmp_is_private():
    """Is a hidden path inside the private /tmp left to the /tmp cover, and /tmp made 1777?"""
    plan = launch.plan_covers(["/tmp"], [], private_tmp=True)
    assert ("/tmp", "1777") in plan
    assert [p for p, _ in plan].count("/tmp") == 1


# -- the launcher for real (root) ---------------------------------------------------------------------
@pytest.fixture
def srv_tmp():
    """Yield a folder under /srv (outside the private /tmp), removed afterwards."""
    if not os.access("/srv", os.W_OK):
        pytest.skip("needs a writable /srv (root)")
    folder = Path(f"/srv/nmt-unit-{secrets.token_hex(3)}")
    folder.mkdir(parents=True)
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_launched(args: list[str], code: str, timeout: int = 60) -> subprocess.CompletedProcess:
    command = [sys.executable, "-I", launch.__file__, "--user", "nobody", "--cwd", "/", *args, "--"]
    return subprocess.run(
        [*command, sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
    )


@needs_root
def test_launched_program_runs_as_the_user_with_hidden_paths_gone_and_kept_ones_readable(srv_tmp, tmp_path):
    """Does the launcher drop to the user, hide what it is told, keep what is needed, and give a private /tmp?"""
    (srv_tmp / "secret").mkdir()
    (srv_tmp / "secret" / "answers.txt").write_text("42")
    (srv_tmp / "visible").mkdir()
    (srv_tmp / "visible" / "tables.txt").write_text("ok")
    for path in [srv_tmp / "visible", srv_tmp / "secret"]:
        os.chmod(path, 0o755)
        for item in path.iterdir():
            os.chmod(item, 0o644)
    on_host_tmp = tmp_path.parent / f"nmt-host-{secrets.token_hex(3)}"
    on_host_tmp.write_text("host")
    code = f"""
import json, os
def reach(p):
    try:
        return open(p).read()
    except OSError as exc:
        return type(exc).__name__
print(json.dumps({{
    "uid": os.getuid(), "groups": os.getgroups(),
    "secret": reach({str(srv_tmp / "secret" / "answers.txt")!r}),
    "visible": reach({str(srv_tmp / "visible" / "tables.txt")!r}),
    "listing": sorted(os.listdir({str(srv_tmp)!r})),
    "host_tmp": reach({str(on_host_tmp)!r}),
    "tmp": os.listdir("/tmp"),
}}))
"""
    try:
        done = run_launched(
            ["--hide", str(srv_tmp), "--keep", str(srv_tmp / "visible"), "--private-tmp"], code
        )
    finally:
        on_host_tmp.unlink()
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    nobody = pwd.getpwnam("nobody")
    assert seen["uid"] == nobody.pw_uid and 0 not in seen["groups"]
    assert seen["secret"] == "FileNotFoundError"
    assert seen["visible"] == "ok"
    assert seen["listing"] == ["visible"]
    assert seen["host_tmp"] == "FileNotFoundError" and seen["tmp"] == []


@needs_root
def test_memory_limit_stops_a_server_that_takes_more():
    """With a 100 MB memory cgroup, is a program that allocates 400 MB stopped (where cgroups exist)?"""
    name = f"netmarketing-hub/nmt-unit-{secrets.token_hex(3)}"
    if not launch.cgroup_folders(name):
        pytest.skip("no memory cgroup on this machine: the README says the limit is not enforced here")
    grab = "x = bytearray(400 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); print('survived')"
    try:
        done = run_launched(["--cgroup", name, "--memory", str(100 * 1024**2)], grab)
        small = run_launched(["--cgroup", name, "--memory", str(100 * 1024**2)], "print('fine')")
    finally:
        launch.remove_cgroup(name)
    assert "survived" not in done.stdout and done.returncode != 0
    assert small.returncode == 0 and small.stdout.strip() == "fine"


# -- accounts ---------------------------------------------------------------------------------------
def test_accounts_the_hub_did_not_create_are_never_adopted_or_removed(tmp_path):
    """Is a roster id that names a system account (nobody) refused, and never removed?"""
    from netmarketing.hub import accounts

    assert not accounts.is_ours("nobody")
    with pytest.raises(accounts.AccountError, match="不是教室建立的"):
        accounts.ensure_user("nobody", home=tmp_path / "nobody")
    assert accounts.remove_user("nobody") is False
    assert pwd.getpwnam("nobody")


# -- the exchange -------------------------------------------------------------------------------------
@needs_root
def test_a_submission_is_private_to_its_learner_and_group(tmp_path):
    """Are a submission's files 0640, folders 0750 and the top 0770, all in the learner's group?"""
    from netmarketing.hub.exchange import make_private

    submission = tmp_path / "s001+00_orientation+ts+abc"
    (submission / "data").mkdir(parents=True)
    (submission / "o1.ipynb").write_text("{}")
    (submission / "data" / "notes.txt").write_text("x")
    os.chmod(submission, 0o777)
    nogroup = pwd.getpwnam("nobody").pw_gid
    make_private(str(submission), nogroup)
    modes = {
        p.relative_to(submission).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in submission.rglob("*")
    }
    assert modes == {"o1.ipynb": 0o640, "data": 0o750, "data/notes.txt": 0o640}
    assert stat.S_IMODE(submission.stat().st_mode) == 0o770
    assert {p.stat().st_gid for p in [submission, *submission.rglob("*")]} == {nogroup}


@needs_root
def test_a_submission_filed_under_another_learners_name_is_set_aside(tmp_path):
    """Is a folder named after learner X but owned by someone else moved out of inbound before collecting?"""
    from netmarketing.hub.exchange import quarantine_spoofed

    inbound, quarantine = tmp_path / "inbound", tmp_path / "quarantine"
    genuine = inbound / "nobody+00_orientation+2026-01-01 00:00:00 UTC+a"
    spoofed = inbound / "nobody+00_orientation+2026-02-01 00:00:00 UTC+b"
    for folder in (genuine, spoofed):
        folder.mkdir(parents=True)
    os.chown(genuine, pwd.getpwnam("nobody").pw_uid, -1)  # the spoofed one stays root's
    moved = quarantine_spoofed(str(inbound), str(quarantine))
    assert moved == [spoofed.name]
    assert [p.name for p in inbound.iterdir()] == [genuine.name]
    assert (quarantine / spoofed.name).is_dir()


# -- who may log in -------------------------------------------------------------------------------------
@pytest.fixture
def authenticator(tmp_path):
    """Return a RosterAuthenticator on a scratch database (roster s001, s002; instructor teacher)."""
    from nativeauthenticator.orm import UserInfo
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from netmarketing.hub.auth import RosterAuthenticator

    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    UserInfo.__table__.create(engine)
    auth = RosterAuthenticator(add_new_table=False, roster={"s001", "s002"}, admin_users={"teacher"})
    auth.db = Session(engine)
    auth.minimum_password_length = 8
    yield auth
    auth.db.close()


def test_only_the_roster_and_instructors_may_log_in_or_sign_up(authenticator):
    """Are roster learners and instructors allowed, and anyone else refused at login and at sign-up?"""
    assert authenticator.check_allowed("s001") and authenticator.check_allowed("teacher")
    assert not authenticator.check_allowed("intruder")
    assert authenticator.create_user("intruder", "a-long-password") is None


def run_coroutine(coroutine):
    """Run ``coroutine`` to its end in a thread of its own: the session's Playwright browser (sync
    API) keeps an event loop marked as running in the main thread, where ``asyncio.run`` refuses."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_learners_sign_up_waits_for_approval(authenticator):
    """In approval mode, does a learner's sign-up stay unapproved (and unable to log in) until approved?"""
    info = authenticator.create_user("s001", "a-long-password")
    assert info is not None and not info.is_authorized
    login = {"username": "s001", "password": "a-long-password"}
    assert run_coroutine(authenticator.authenticate(None, login)) is None
    info.is_authorized = True
    authenticator.db.commit()
    assert run_coroutine(authenticator.authenticate(None, login)) == "s001"


def test_first_use_mode_lets_the_first_sign_up_set_the_password(authenticator):
    """In first-use mode, is a roster learner's first sign-up approved at once, and a second one refused?"""
    authenticator.require_approval = False
    first = authenticator.create_user("s002", "a-long-password")
    assert first is not None and first.is_authorized
    assert authenticator.create_user("s002", "another-password") is None


def test_instructors_get_initial_passwords_once(tmp_path):
    """Does each instructor get a random approved password (CSV 0600), kept on a second start?"""
    import bcrypt
    from nativeauthenticator.orm import UserInfo
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from netmarketing.hub.auth import provision_passwords

    db_url, out = f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path / "initial-passwords.csv"
    given = provision_passwords(db_url, ["teacher", "assistant"], out)
    assert set(given) == {"teacher", "assistant"} and len(set(given.values())) == 2
    assert provision_passwords(db_url, ["teacher"], out) == {}
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["username"]: r["password"] for r in rows} == given
    with Session(create_engine(db_url)) as db:
        record = UserInfo.find(db, "teacher")
        assert record.is_authorized and bcrypt.checkpw(given["teacher"].encode(), record.password)


# -- JupyterHub configuration ----------------------------------------------------------------------------
def hub_config(tmp_path, **overrides):
    from traitlets.config import Config

    from netmarketing.hub.config import configure

    settings = settings_for(tmp_path, service_port=41000, idle_timeout=1200, **overrides)
    settings.state_dir.mkdir(parents=True)
    return settings, configure(Config(), settings)


def test_the_hub_runs_the_course_service_as_the_grader_and_the_idle_culler(tmp_path):
    """Is formgrader a service named after the course, started as the grader through the launcher,
    open to the instructors' group only, and does the idle culler run with the chosen timeout?"""
    settings, c = hub_config(tmp_path)
    services = {s["name"]: s for s in c.JupyterHub.services}
    course = services["nmt-unit"]
    assert course["command"][:3] == [sys.executable, "-I", launch.__file__]
    assert course["command"][course["command"].index("--user") + 1] == settings.grader
    assert "--memory" not in course["command"]  # grading needs room: no learner limit on the grader
    assert course["environment"]["JUPYTER_CONFIG_PATH"] == str(settings.grader_config_dir)
    assert "--timeout=1200" in services["idle-culler"]["command"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["formgrade-nmt-unit"]["groups"] == ["formgrade-nmt-unit"]
    assert "access:services!service=nmt-unit" in roles["formgrade-nmt-unit"]["scopes"]
    assert set(roles["idle-culler"]["scopes"]) >= {"list:users", "read:users:activity", "delete:servers"}
    assert c.JupyterHub.load_groups["formgrade-nmt-unit"]["users"] == ["teacher"]


def test_the_classroom_uses_the_roster_authenticator_and_the_dummy_one_only_when_asked(tmp_path, monkeypatch):
    """Is the roster authenticator the default, and the dummy authenticator used only by a test setting?"""
    from netmarketing.hub.config import TEST_PASSWORD_ENV

    _, c = hub_config(tmp_path)
    assert c.JupyterHub.authenticator_class == "netmarketing.hub.auth.RosterAuthenticator"
    assert c.RosterAuthenticator.roster == {"s001", "s002"}
    assert c.RosterAuthenticator.require_approval is True
    monkeypatch.setenv(TEST_PASSWORD_ENV, "pw")
    _, test_c = hub_config(tmp_path / "t", authenticator="dummy")
    assert test_c.JupyterHub.authenticator_class == "dummy"


def test_learners_servers_get_limits_and_the_classroom_spawner(tmp_path):
    """Do learners' servers start through the classroom spawner with the memory and CPU limits?"""
    _, c = hub_config(tmp_path, mem_limit="1536M", cpu_limit=0.5)
    assert c.JupyterHub.spawner_class == "netmarketing.hub.spawner.ClassroomSpawner"
    assert c.Spawner.mem_limit == "1536M" and c.Spawner.cpu_limit == 0.5
    assert c.Spawner.default_url == "/lab"


def test_the_launcher_command_keeps_each_learner_to_their_own_data(tmp_path):
    """Does a learner's launcher keep their own data folder (not a peer's) and carry their limits?"""
    from netmarketing.hub.layout import launcher_command

    settings = settings_for(tmp_path, hidden=["/srv/repo"], mem_limit="1G")
    command = launcher_command(settings, "s001", limits=True)
    kept = [command[i + 1] for i, arg in enumerate(command) if arg == "--keep"]
    assert str(settings.learner_data("s001")) in kept and str(settings.learner_data("s002")) not in kept
    assert command[command.index("--memory") + 1] == str(1024**3)
    assert command[command.index("--hide") + 1] == "/srv/repo" and command[-1] == "--"


@needs_root
def test_learners_get_the_exchange_and_no_instructor_tools(tmp_path):
    """Do learners' servers get the exchange with private submissions and none of the instructor panels,
    while the course service keeps formgrader and collects with the owner check?"""
    from netmarketing.hub.layout import write_jupyter_config

    settings = settings_for(tmp_path)
    write_jupyter_config(settings)
    learner = settings.learner_config_dir
    page = json.loads((learner / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == {
        "@jupyter/nbgrader:create-assignment",
        "@jupyter/nbgrader:formgrader",
        "@jupyter/nbgrader:course-list",
    }
    server = json.loads((learner / "jupyter_server_config.json").read_text())["ServerApp"]
    assert server["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert "PrivateSubmit" in (learner / "nbgrader_config.py").read_text()
    grader = json.loads((settings.grader_config_dir / "jupyter_server_config.json").read_text())["ServerApp"]
    assert grader["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is True
    assert "OwnerCheckedCollect" in (settings.grader_config_dir / "nbgrader_config.py").read_text()


def test_the_checkout_is_hidden_from_every_server(tmp_path):
    """Are the course checkout (solutions), the hub's folder, homes and the grader's caches all hidden?"""
    from netmarketing.hub.layout import hidden_paths

    settings = settings_for(tmp_path)
    hidden = hidden_paths(settings)
    assert str(REPO) in hidden
    assert {str(settings.root), str(settings.home_base), "/var/cache/netmarketing-grader"} <= set(hidden)


def test_data_release_is_found_only_when_the_data_room_offers_it(monkeypatch):
    """Does the hub see `netmarketing data release` when it exists, and carry on without it otherwise?"""
    import argparse

    import netmarketing.cli
    from netmarketing.hub.layout import data_release_available

    assert data_release_available()

    def without_release() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        data = parser.add_subparsers().add_parser("data")
        data.add_subparsers().add_parser("build")
        return parser

    monkeypatch.setattr(netmarketing.cli, "build_parser", without_release)
    assert not data_release_available()


# -- command line ----------------------------------------------------------------------------------------
def test_commands_on_a_hub_that_does_not_exist_explain_themselves(tmp_path, capsys):
    """Do status and remove on an empty folder fail with a zh-TW explanation instead of a traceback?"""
    from netmarketing.cli import main

    assert main(["hub", "status", "--root", str(tmp_path)]) == 2
    assert "netmarketing hub start" in capsys.readouterr().err
    assert main(["hub", "remove", "--root", str(tmp_path)]) == 2
    assert "--yes" in capsys.readouterr().err


def test_stopping_a_hub_ends_what_it_left_behind_and_nothing_else(tmp_path):
    """Are processes carrying this hub's API address stopped, and one of another hub left running?"""
    from netmarketing.hub.process import _stop_orphans

    settings = settings_for(tmp_path, hub_api_port=45678)

    def start(port: int) -> subprocess.Popen:
        env = {**os.environ, "JUPYTERHUB_API_URL": f"http://127.0.0.1:{port}/hub/api"}
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], env=env)

    ours, theirs = start(45678), start(45679)
    try:
        _stop_orphans(settings)
        assert ours.wait(timeout=10) != 0
        assert theirs.poll() is None
    finally:
        for process in (ours, theirs):
            process.kill()
            process.wait()
