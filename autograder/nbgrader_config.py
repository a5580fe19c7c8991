"""nbgrader configuration of the course (read by ``nbgrader`` run from this folder, and by formgrader).

Everything comes from :class:`netmarketing.grading.workspace.Workspace`, so the
command line, the Python API and the JupyterHub formgrader agree:

- source notebooks: ``../course/<module>/`` (each module folder is an assignment);
- learner copies, submissions, autograded copies, feedback: sub-folders of this folder;
- gradebook: ``$NETMARKETING_DB_URL`` (any SQLAlchemy URL, e.g. PostgreSQL on a shared
  JupyterHub) or ``sqlite:///<this folder>/gradebook.db``;
- exchange: ``$NETMARKETING_EXCHANGE`` or ``<this folder>/exchange``;
- course id: ``$NETMARKETING_COURSE_ID`` or ``kmc2431-008v1``.

Learners come from ``roster.csv`` (``id,first_name,last_name,email``; ids are the
JupyterHub user names): ``netmarketing course roster [CSV]`` imports them through the
Gradebook API (``Workspace.import_roster()``); ``nbgrader db student import roster.csv``
run from this folder does the same.

On a JupyterHub: put this folder and ``course/`` where the instructor's server can
read them, set ``NETMARKETING_DB_URL`` (e.g. PostgreSQL) and ``NETMARKETING_EXCHANGE``
(e.g. ``/srv/nbgrader/exchange``) for the instructor, and give the learners' servers
the same course id and exchange root in their own nbgrader config (for example
``/etc/jupyter/nbgrader_config.py``: ``c.CourseDirectory.course_id = "kmc2431-008v1"``,
``c.Exchange.root = "/srv/nbgrader/exchange"``). Learners need no other set-up: their
kernels see ``JUPYTERHUB_USER``, which selects their data variant.
"""

from pathlib import Path

from netmarketing.grading.workspace import Workspace

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file
Workspace(Path(__file__).resolve().parent).configure(c)
