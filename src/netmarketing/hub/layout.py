"""Set up (and take down) everything a class hub needs on this machine, before JupyterHub starts.

:func:`prepare` is idempotent: run again, it adds new learners from the roster and fixes
permissions, and never overwrites the instructor's course folder or a learner's home.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from netmarketing.hub import accounts
from netmarketing.hub.settings import HubSettings

#: Files of the repository's ``autograder/`` that a new course folder starts with.
AUTOGRADER_FILES = ("nbgrader_config.py", "certification.yaml", "rubrics")
#: nbgrader's lab extensions only instructors use (learners keep the assignment list and Validate).
INSTRUCTOR_ONLY_EXTENSIONS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
#: nbgrader's server extensions, by who gets them.
LEARNER_SERVER_EXTENSIONS = {
    "nbgrader": False,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
}
GRADER_SERVER_EXTENSIONS = {**LEARNER_SERVER_EXTENSIONS, "nbgrader.server_extensions.formgrader": True}


@dataclass
class Prepared:
    """What :func:`prepare` did, for the command's summary."""

    created_users: list[str] = field(default_factory=list)
    data_released: bool = False
    notes: list[str] = field(default_factory=list)


def repository() -> Path:
    """Return the checkout that holds ``course/`` and ``autograder/`` (the current folder or the package's)."""
    from netmarketing.grading.workspace import repo_root

    return repo_root()


def hidden_paths(settings: HubSettings) -> list[str]:
    """Return what no learner's (or the grader's) server may see: the checkout, caches, the hub's folders."""
    paths = [settings.root, settings.home_base, Path("/var/cache/netmarketing-grader")]
    paths.append(Path("/run/netmarketing-grader"))
    repo = repository()
    if (repo / "course").is_dir():
        paths.append(repo)  # the venv and the package inside it stay visible (launch.py keeps them)
    return [str(p) for p in paths]


# -- folders and permissions ----------------------------------------------------------------------
def _ids(name: str) -> tuple[int, int]:
    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def make_dir(path: Path, mode: int, owner: str | None = None, group: str | None = None) -> Path:
    """Create ``path`` (and parents) and set its owner, group and mode exactly."""
    path.mkdir(parents=True, exist_ok=True)
    uid, gid = _ids(owner) if owner else (0, 0)
    if group:
        gid = grp.getgrnam(group).gr_gid
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


def chown_tree(path: Path, owner: str, group: str | None = None) -> None:
    """Give ``path`` and everything below it to ``owner`` (and ``group``), without following links."""
    uid, gid = _ids(owner)
    if group:
        gid = grp.getgrnam(group).gr_gid
    for dirpath, dirnames, filenames in os.walk(path):
        for name in (*dirnames, *filenames):
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)
    os.chown(path, uid, gid)


def prepare_exchange(settings: HubSettings) -> Path:
    """Create the nbgrader exchange with nbgrader's permissions, the course's folders owned by the grader.

    The root is world-writable (``chmod ugo+rwx``, as nbgrader's documentation asks), with the sticky
    bit so nobody removes another's entry; ``inbound/`` is write-only for learners (0733, set-gid
    as nbgrader makes it); ``feedback/`` can be entered but not listed (0711). A submission's files
    belong to the learner's own group (see ``exchange.py``), which only the grader account joins.
    """
    grader, graders = settings.grader, settings.grader_group
    root = make_dir(settings.exchange_dir, 0o1777)
    course = make_dir(root / settings.course_id, 0o755, grader)
    make_dir(course / "outbound", 0o755, grader)
    make_dir(course / "inbound", 0o2733, grader, graders)
    make_dir(course / "feedback", 0o711, grader)
    return root


def prepare_course_folder(settings: HubSettings, source: Path, roster: Path) -> bool:
    """Give the grader a course folder (a copy of ``source`` and the autograder set-up); return if new.

    An existing course folder is left as it is: it holds the instructor's work and the gradebook.
    """
    target = settings.course_root
    created = not target.exists()
    if created:
        make_dir(target, 0o700, settings.grader)
        shutil.copytree(
            source, target / "course", ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints")
        )
        autograder = target / "autograder"
        autograder.mkdir()
        repo_autograder = repository() / "autograder"
        for name in AUTOGRADER_FILES:
            item = repo_autograder / name
            if item.is_dir():
                shutil.copytree(item, autograder / name)
            elif item.is_file():
                shutil.copy2(item, autograder / name)
    shutil.copy2(roster, target / "autograder" / "roster.csv")
    chown_tree(target, settings.grader)
    os.chmod(target, 0o700)
    return created


def write_server_config(
    folder: Path, *, role: str, course_id: str, exchange: Path, autograder: Path | None = None
) -> Path:
    """Write the Jupyter configuration of a learner's server or of the course's (grader's) server.

    Parameters
    ----------
    folder : Path
        A folder put on the server's ``JUPYTER_CONFIG_PATH``.
    role : str
        ``"learner"``: the assignment list and Validate only, private submissions;
        ``"grader"``: also formgrader and Create Assignment, collecting with the owner check.
    course_id, exchange : str, Path
        nbgrader's course id and exchange root.
    autograder : Path, optional
        The grading workspace of the course (grader only).
    """
    grader = role == "grader"
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    # A non-login shell keeps the environment's PATH (Debian's /etc/profile would reset it).
    server = {
        "ServerApp": {
            "jpserver_extensions": GRADER_SERVER_EXTENSIONS if grader else LEARNER_SERVER_EXTENSIONS,
            "terminado_settings": {"shell_command": ["/bin/bash"]},
        }
    }
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=2) + "\n", encoding="utf-8")
    disabled = ("@jupyter/nbgrader:course-list",) if grader else INSTRUCTOR_ONLY_EXTENSIONS
    page = {"disabledExtensions": dict.fromkeys(disabled, True)}
    (folder / "labconfig" / "page_config.json").write_text(
        json.dumps(page, indent=2) + "\n", encoding="utf-8"
    )
    lines = ["# Written by `netmarketing hub`: the nbgrader exchange of the class hub.", ""]
    if grader:
        lines += ["from pathlib import Path", "", "from netmarketing.grading.workspace import Workspace", ""]
    lines.append("c = get_config()  # noqa: F821")
    if grader:
        lines.append(f"Workspace(Path({str(autograder)!r})).configure(c)")
        lines.append("# A submission filed under another learner's name is set aside before collecting.")
        lines.append('c.ExchangeFactory.collect = "netmarketing.hub.exchange.OwnerCheckedCollect"')
    lines.append(f"c.CourseDirectory.course_id = {course_id!r}")
    lines.append(f"c.Exchange.root = {str(exchange)!r}")
    lines.append(
        "# Submissions readable by their learner and the graders only (nbgrader leaves them world-readable)."
    )
    lines.append('c.ExchangeFactory.submit = "netmarketing.hub.exchange.PrivateSubmit"')
    (folder / "nbgrader_config.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for item in [folder, *folder.rglob("*")]:
        os.chmod(item, 0o755 if item.is_dir() else 0o644)
    return folder


def write_jupyter_config(settings: HubSettings) -> None:
    """Write the Jupyter configuration of learners' servers and of the course service."""
    common = {"course_id": settings.course_id, "exchange": settings.exchange_dir}
    write_server_config(settings.learner_config_dir, role="learner", **common)
    write_server_config(
        settings.grader_config_dir, role="grader", autograder=settings.autograder_dir, **common
    )


# -- learner data (``netmarketing data release``) ---------------------------------------------------
def data_release_available() -> bool:
    """Return True when this installation has ``netmarketing data release`` (the per-learner data folders)."""
    import argparse

    from netmarketing.cli import build_parser

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    data = subcommands(build_parser()).get("data")
    return data is not None and "release" in subcommands(data)


def release_data(settings: HubSettings, roster: Path) -> bool:
    """Write each learner's data folder with ``netmarketing data release``; return False when it is missing.

    The variants come from the course secret in the grader's course folder (created there on first
    use). Each ``<root>/data/<learner>/`` is then owned by the learner and the graders' group,
    read-only (folders 0550, files 0440), inside ``<root>/data`` (0711: nobody lists it).
    """
    if not data_release_available():
        return False
    out = make_dir(settings.data_dir, 0o711)
    command = [str(Path(sys.executable).parent / "netmarketing"), "data", "release", "--roster", str(roster)]
    command += ["--autograder", str(settings.autograder_dir), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, env=hub_env(settings))
    # The secret and the grader's cache were written by root: they belong to the grader.
    chown_tree(settings.course_root, settings.grader)
    if result.returncode != 0:
        raise RuntimeError(f"netmarketing data release 失敗 (failed):\n{result.stderr[-2000:]}")
    for learner in settings.learners:
        folder = settings.learner_data(learner)
        if not folder.is_dir():
            continue
        chown_tree(folder, learner, settings.grader_group)
        for dirpath, _, filenames in os.walk(folder):
            os.chmod(dirpath, 0o550)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o440)
    return True


# -- the whole set-up ---------------------------------------------------------------------------------
def hub_env(settings: HubSettings) -> dict[str, str]:
    """Return the environment of everything the hub starts (servers, the course service, set-up commands)."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "LANG": "C.UTF-8",
        "NETMARKETING_COURSE_ID": settings.course_id,
        "NETMARKETING_EXCHANGE": str(settings.exchange_dir),
        "NETMARKETING_HUB_ROOT": str(settings.root),
    }
    env.update(settings.extra_env)
    return env


def grader_env(settings: HubSettings) -> dict[str, str]:
    """Return the environment of the course service and of commands run as the grader."""
    env = hub_env(settings) | {"JUPYTER_CONFIG_PATH": str(settings.grader_config_dir)}
    if settings.gradebook_url:
        env["NETMARKETING_DB_URL"] = settings.gradebook_url
    return env


def launcher_command(settings: HubSettings, user: str, *, limits: bool, cwd: Path | None = None) -> list[str]:
    """Return the ``launch.py`` prefix that starts a program as ``user`` in its own view (ends with ``--``)."""
    from netmarketing.hub import launch
    from netmarketing.hub.settings import parse_size

    command = [sys.executable, "-I", launch.__file__, "--user", user, "--private-tmp"]
    for path in settings.hidden:
        command += ["--hide", path]
    keep = [settings.exchange_dir]
    if user == settings.grader:
        keep.append(settings.grader_config_dir)
    else:
        keep += [settings.learner_config_dir, settings.learner_data(user)]
    for path in keep:
        command += ["--keep", str(path)]
    if limits:
        command += ["--cgroup", f"netmarketing-hub/{settings.course_id}/{user}"]
        command += ["--memory", str(parse_size(settings.mem_limit)), "--cpu", str(settings.cpu_limit)]
    if cwd:
        command += ["--cwd", str(cwd)]
    return [*command, "--"]


def run_as_grader(settings: HubSettings, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``argv`` as the grader account in the course folder (as the course service would)."""
    command = launcher_command(settings, settings.grader, limits=False, cwd=settings.course_root)
    return subprocess.run([*command, *argv], env=grader_env(settings), **kwargs)


def prepare(
    settings: HubSettings,
    *,
    roster: Path,
    course_source: Path,
    say: Callable[[str], None] = print,
) -> Prepared:
    """Create accounts, folders, configuration, data folders and the gradebook's roster for a hub.

    Parameters
    ----------
    settings : HubSettings
        The hub (its learners already read from ``roster``).
    roster : Path
        The roster CSV (``id,first_name,last_name,email``).
    course_source : Path
        The course's source notebooks copied into a new course folder.
    say : callable
        Where progress messages go.
    """
    done = Prepared()
    accounts.ensure_group(settings.learner_group)
    accounts.ensure_group(settings.grader_group)
    make_dir(settings.root, 0o755)
    make_dir(settings.state_dir, 0o700)
    # The grader joins every learner's own group: that is how it reads their (private) submissions.
    for name, role, groups in (
        *((n, "learner", [settings.learner_group]) for n in settings.learners),
        *((n, "instructor", [settings.grader_group]) for n in settings.instructors),
        (settings.grader, "grader", [settings.grader_group, *settings.learners]),
    ):
        existed = accounts.is_ours(name)
        accounts.ensure_user(name, home=settings.home_of(name), groups=groups, role=role)
        if not existed:
            done.created_users.append(name)
    if done.created_users:
        say(
            f"已建立 {len(done.created_users)} 個系統帳號 (created accounts): {', '.join(done.created_users)}"
        )
    prepare_exchange(settings)
    if prepare_course_folder(settings, course_source, roster):
        say(f"已建立課程資料夾 (course folder): {settings.course_root}")
    write_jupyter_config(settings)
    done.data_released = release_data(settings, roster)
    if not done.data_released:
        done.notes.append(
            "這個版本沒有 netmarketing data release：學員的資料依 JUPYTERHUB_USER 產生，未設定 NETMARKETING_DATA "
            "(no `netmarketing data release` here: learners' data follows JUPYTERHUB_USER)"
        )
    result = run_as_grader(
        settings,
        [str(Path(sys.executable).parent / "netmarketing"), "course", "roster"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"無法把名單匯入成績簿 (roster import failed):\n{result.stderr[-2000:]}")
    return done


def teardown(settings: HubSettings, *, remove_accounts: bool, say: Callable[[str], None] = print) -> None:
    """Remove the hub's folder and, with ``remove_accounts``, every account and group it created (and homes)."""
    if remove_accounts:
        # The grader first: while it is a member of the learners' own groups, userdel keeps those groups.
        names = [settings.grader, *settings.instructors, *settings.learners]
        removed = [n for n in names if accounts.remove_user(n)]
        for group in (settings.learner_group, settings.grader_group, *removed):
            with contextlib.suppress(KeyError):
                grp.getgrnam(group)
                subprocess.run(["groupdel", group], capture_output=True)
        if removed:
            say(f"已刪除帳號與家目錄 (removed accounts and homes): {', '.join(removed)}")
    from netmarketing.hub.launch import remove_cgroup

    remove_cgroup("netmarketing-hub")  # the servers' cgroups, empty now that their processes ended
    shutil.rmtree(settings.root, ignore_errors=True)
