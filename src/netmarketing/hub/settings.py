"""What a class hub is made of: its settings and the folders they name.

One hub lives in one root folder (default ``/srv/netmarketing-hub``)::

    <root>/hub.json          the settings below (readable by everyone: no secrets in it)
    <root>/state/            JupyterHub's database, cookie secret, proxy token, logs, pid (root only)
    <root>/config/learner/   Jupyter config of learners' servers (nbgrader exchange, extensions)
    <root>/config/grader/    Jupyter config of the course service (formgrader)
    <root>/exchange/         the nbgrader exchange (nbgrader's documented permissions)
    <root>/data/<learner>/   each learner's own data folder (``netmarketing data release``), learner only

The course itself (source notebooks, submissions, gradebook, feedback) lives in the home of the
grader account, ``/home/grader-<course>/<course>/{course,autograder}``, which only that account reads.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

DEFAULT_ROOT = Path("/srv/netmarketing-hub")
ENV_ROOT = "NETMARKETING_HUB_ROOT"
#: Authentication modes offered to instructors (a dummy authenticator exists only in tests).
AUTH_MODES = ("approval", "first-use")
#: Linux user names the hub accepts for learners and instructors (useradd's portable subset).
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*$", re.IGNORECASE)


def default_root() -> Path:
    """Return ``$NETMARKETING_HUB_ROOT`` or ``/srv/netmarketing-hub``."""
    return Path(os.environ.get(ENV_ROOT) or DEFAULT_ROOT)


def parse_size(text: str) -> int:
    """Return the number of bytes in a size such as ``"2G"``, ``"512M"`` or ``"1.5G"``.

    Raises
    ------
    ValueError
        With a zh-TW message when ``text`` is not a size.
    """
    match = _SIZE_RE.match(str(text))
    if not match:
        raise ValueError(f"無法解讀記憶體大小 {text!r}，請寫成 2G 或 512M (not a size)")
    number, unit = float(match[1]), match[2].upper()
    return int(number * 1024 ** " KMGT".index(unit or " "))


@dataclass
class HubSettings:
    """Settings of one class hub, saved as ``<root>/hub.json`` by ``netmarketing hub start``.

    Parameters
    ----------
    root : Path
        The hub's folder (see the module docstring).
    course_id : str
        nbgrader course id; also the name of the course service that serves formgrader.
    instructors : list of str
        Hub admins who may open the course service (formgrader, the grading terminal).
    learners : list of str
        Learner ids from the roster; each is a system user with a private home.
    ip, port : str, int
        Where the hub listens (behind an HTTPS reverse proxy in a real class, see README).
    auth : str
        ``"approval"`` (learners sign up, an instructor approves) or ``"first-use"``
        (the first sign-up of a roster id sets its password, no approval).
    mem_limit, cpu_limit : str, float
        Per-learner limits, enforced with cgroups where the machine offers them.
    idle_timeout : int
        Seconds without activity after which the idle culler stops a learner's server.
    home_base : Path
        Parent folder of the learners' homes.
    gradebook_url : str
        ``NETMARKETING_DB_URL`` of the course service (empty: SQLite in the course folder).
    hub_db_url : str
        JupyterHub's own database (empty: SQLite in ``state/``).
    extra_env : dict
        Environment given to learners' servers and the course service (e.g. ``NETMARKETING_SCALE``).
    ssl_cert, ssl_key : str
        Let the hub itself serve HTTPS (a reverse proxy is the usual alternative).
    authenticator : str
        Empty for the classroom authenticator; tests set ``"dummy"`` (never do this in a class).
    hidden : list of str
        Paths no server started by the hub may see (filled in by ``netmarketing hub start``).
    service_port, hub_api_port, proxy_api_port : int
        Local ports of the course service, the hub's API and the proxy's API (0: chosen at start).
    """

    root: Path = field(default_factory=default_root)
    course_id: str = "kmc2431-008v1"
    instructors: list[str] = field(default_factory=list)
    learners: list[str] = field(default_factory=list)
    ip: str = "127.0.0.1"
    port: int = 8000
    auth: str = "approval"
    mem_limit: str = "2G"
    cpu_limit: float = 1.0
    idle_timeout: int = 3600
    home_base: Path = Path("/home")
    gradebook_url: str = ""
    hub_db_url: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    ssl_cert: str = ""
    ssl_key: str = ""
    authenticator: str = ""
    hidden: list[str] = field(default_factory=list)
    service_port: int = 0
    hub_api_port: int = 0
    proxy_api_port: int = 0

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.home_base = Path(self.home_base)

    # -- folders -------------------------------------------------------------------------
    @property
    def settings_path(self) -> Path:
        return self.root / "hub.json"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def exchange_dir(self) -> Path:
        return self.root / "exchange"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def learner_config_dir(self) -> Path:
        return self.root / "config" / "learner"

    @property
    def grader_config_dir(self) -> Path:
        return self.root / "config" / "grader"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "jupyterhub.log"

    @property
    def pid_path(self) -> Path:
        return self.state_dir / "jupyterhub.pid"

    @property
    def learner_group(self) -> str:
        """Return the learners' group (system group and hub group share nbgrader's name for it)."""
        return f"nbgrader-{self.course_id}"

    @property
    def grader_group(self) -> str:
        """Return the graders' group: the grader account and the instructors (nbgrader's name)."""
        return f"formgrade-{self.course_id}"

    @property
    def grader(self) -> str:
        """Return the system account that owns the course folder and runs the course service."""
        return f"grader-{self.course_id}"

    def home_of(self, name: str) -> Path:
        return self.home_base / name

    @property
    def course_root(self) -> Path:
        """Return the grader's course folder, holding ``course/`` and ``autograder/``."""
        return self.home_of(self.grader) / self.course_id

    @property
    def autograder_dir(self) -> Path:
        return self.course_root / "autograder"

    def learner_data(self, learner: str) -> Path:
        return self.data_dir / learner

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_cert else "http"
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"{scheme}://{host}:{self.port}"

    # -- checks and storage -------------------------------------------------------------
    def validate(self) -> None:
        """Raise ``ValueError`` (zh-TW) on settings a hub cannot start with."""
        if self.auth not in AUTH_MODES:
            raise ValueError(
                f"未知的登入方式 {self.auth!r}；可用：{', '.join(AUTH_MODES)} (unknown auth mode)"
            )
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,21}", self.course_id):
            raise ValueError(
                f"課程代號只能用小寫英數字、- 與 _，最多 22 字：{self.course_id!r} (invalid course id)"
            )
        names = [*self.instructors, *self.learners]
        bad = [n for n in names if not USERNAME_RE.match(n)]
        if bad:
            raise ValueError(
                f"這些代號不能當作系統帳號（小寫英文字母開頭，接小寫英數字、- 或 _，最多 32 字）："
                f"{', '.join(bad)} (not valid user names)"
            )
        both = sorted(set(self.instructors) & set(self.learners))
        if both:
            raise ValueError(f"同一人不能同時是講師和學員：{', '.join(both)} (both instructor and learner)")
        if not self.instructors:
            raise ValueError("至少需要一位講師：--instructor 帳號 (at least one --instructor)")
        if self.cpu_limit <= 0:
            raise ValueError(f"CPU 上限必須大於 0：{self.cpu_limit} (cpu limit must be > 0)")
        parse_size(self.mem_limit)
        if bool(self.ssl_cert) != bool(self.ssl_key):
            raise ValueError("--ssl-cert 與 --ssl-key 必須一起提供 (give both or neither)")
        for folder in (self.root, self.home_base):
            if not folder.is_absolute():
                raise ValueError(f"請用絕對路徑：{folder} (use an absolute path)")
        private_tmp = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
        for folder in (self.root, self.home_base):
            if any(folder == d or d in folder.parents for d in private_tmp):
                raise ValueError(
                    f"教室資料夾與家目錄不能放在 /tmp 之下（學員的 /tmp 是私有的）：{folder} "
                    "(the hub root and homes cannot live under /tmp: learners get a private /tmp)"
                )

    def save(self) -> Path:
        """Write ``hub.json`` (mode 0644) and return its path."""
        self.root.mkdir(parents=True, exist_ok=True)
        data = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}
        tmp = self.settings_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o644)
        tmp.replace(self.settings_path)
        return self.settings_path

    @classmethod
    def load(cls, root: Path | str | None = None) -> HubSettings:
        """Read ``<root>/hub.json``.

        Raises
        ------
        FileNotFoundError
            With a zh-TW message when no hub was ever started in ``root``.
        """
        root = Path(root) if root else default_root()
        path = root / "hub.json"
        if not path.is_file():
            raise FileNotFoundError(
                f"{root} 沒有教室設定，請先執行 netmarketing hub start (no hub settings in {root})"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
