"""Course kit for KMC2431-008v1 網路行銷企劃主管 (Online Marketing Planning Manager), level 4.

Rooms, each with one door (its ``__init__``):

- ``standard``: the competency standard as data.
- ``data``: the synthetic world of a fictional Taiwanese online retailer.
- ``learner``: what notebooks import (data loading, Chinese charts, widgets, self-checks).
- ``grading``: nbgrader wiring, integrity checks and cohort autograding.
- ``certify``: competency scores, the level-4 decision, reports and credentials.
"""

__version__ = "0.1.0"
