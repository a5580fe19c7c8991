"""JupyterHub configuration file of the class hub (``jupyterhub -f`` on this file).

``netmarketing hub start`` writes ``$NETMARKETING_HUB_ROOT/hub.json`` and starts JupyterHub on
this file; everything else is in :func:`netmarketing.hub.config.configure`.
"""

from netmarketing.hub.config import configure
from netmarketing.hub.settings import HubSettings

configure(get_config(), HubSettings.load())  # noqa: F821 - get_config is provided by traitlets
