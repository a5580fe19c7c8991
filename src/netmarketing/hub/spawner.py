"""The spawner of a class hub: each user's server is a local process started through ``launch.py``.

It is JupyterHub's ``LocalProcessSpawner`` with three changes:

- the command is prefixed with ``launch.py``, which (as root) hides the course repository and
  the hub's folders, gives the server a private ``/tmp``, puts it into its own memory and CPU
  cgroup (``mem_limit``, ``cpu_limit``) and only then drops to the user;
- the environment carries the learners' Jupyter configuration (nbgrader exchange, no
  instructor extensions), the course id and, when it exists, ``NETMARKETING_DATA``: the
  learner's own data folder written by ``netmarketing data release``;
- JupyterLab opens by default (``/lab``), in zh-TW (the environment's ``overrides.json``).
"""

from __future__ import annotations

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode

from netmarketing.hub.layout import hub_env, launcher_command
from netmarketing.hub.settings import HubSettings


class ClassroomSpawner(LocalProcessSpawner):
    """Start a learner's or instructor's server as their own user, in their own view and limits."""

    hub_root = Unicode(help="The class hub's folder (its hub.json holds the settings).").tag(config=True)

    def _settings(self) -> HubSettings:
        return HubSettings.load(self.hub_root)

    def make_preexec_fn(self, name: str) -> None:
        """Return nothing: ``launch.py`` drops to the user after it set up the file-system view."""
        return None

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        settings = self._settings()
        env.update(hub_env(settings))
        env["JUPYTER_CONFIG_PATH"] = str(settings.learner_config_dir)
        data = settings.learner_data(self.user.name)
        if data.is_dir():
            env["NETMARKETING_DATA"] = str(data)
        return env

    async def start(self):
        original = list(self.cmd)
        self.cmd = [*launcher_command(self._settings(), self.user.name, limits=True), *original]
        try:
            return await super().start()
        finally:
            self.cmd = original
