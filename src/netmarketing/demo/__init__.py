"""The main job (``make demo``): the whole course pipeline on a simulated cohort.

Steps, each reusing the room that owns it:

1. build the default data set (``data``) into ``datasets/generated/``;
2. generate the learner copies of every module (``grading.workspace``);
3. simulate a cohort of learners at every level for every module (``grading.cohort``);
4. autograde every module (``grading.autograde``);
5. apply simulated manual grades, marked as simulated everywhere (this module);
6. certify: scores, decisions, reports and credentials (``certify``);
7. print a summary table and the paths of the reports.

The demo has its own grading workspace (``build/demo/autograder``), so it never
mixes simulated learners into a real cohort's gradebook in ``autograder/``.
"""

from netmarketing.demo.pipeline import run_demo

__all__ = ["run_demo"]
