"""A class on JupyterHub, on one machine: ``netmarketing hub start | stop | status`` and the instructor's steps.

- :class:`HubSettings`: what a hub is made of (root folder, roster, instructors, limits, ports);
- :func:`start_hub`, :func:`stop_hub`, :func:`hub_status`: the JupyterHub process;
- :mod:`.instructor`: release modules, collect submissions, release the course's feedback;
- :mod:`.launch`: how each server is started (own user, hidden paths, private /tmp, cgroup limits).

Learners are system users with private homes; their servers are local processes
(``ClassroomSpawner``); the nbgrader exchange is a shared folder; the course lives in the
home of the grader account and is served to instructors as the hub service named after the course.
"""

from netmarketing.hub.process import HubError, hub_status, start_hub, stop_hub
from netmarketing.hub.settings import HubSettings

__all__ = ["HubError", "HubSettings", "hub_status", "start_hub", "stop_hub"]
