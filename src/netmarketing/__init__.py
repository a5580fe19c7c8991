"""Course kit for KMC2431-008v1 網路行銷企劃主管 (Online Marketing Planning Manager), level 4.

Rooms, each with one door (its ``__init__``):

- ``standard``: the competency standard as data.
- ``data``: the synthetic world of a fictional Taiwanese online retailer.
- ``learner``: what notebooks import (data loading, Chinese charts, widgets, self-checks).
- ``grading``: nbgrader wiring, integrity checks and cohort autograding.
- ``certify``: competency scores, the level-4 decision, reports and credentials.
"""

__version__ = "0.1.0"

import sys as _sys

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed (JupyterLab's
# jupyter-events pulls it in), and that module builds a Lark grammar at import: 2.1 s in every
# process that reads a notebook (grader workers, the demo, the CLI). It serves only jsonschema's
# "iri" format check, which nothing here uses; marked absent, nbformat imports in 0.6 s.
# JupyterLab itself runs in its own process and keeps it.
_sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
