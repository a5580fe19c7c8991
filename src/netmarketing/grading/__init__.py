"""grading room: nbgrader wiring, course checks, simulated cohorts and autograding.

Modules (import the one you need; none is imported here, nbgrader is slow to import):

- ``workspace``: :class:`~netmarketing.grading.workspace.Workspace` (paths, nbgrader config,
  ``generate()``, ``gradebook()``, ``import_roster()``), ``repo_root()``;
- ``evidence``: the evidence map (graded cell -> behaviour indicator / work output);
- ``check``: ``check_course()`` behind ``netmarketing course check``;
- ``identity``: ``kernel_env_for(student)`` (the grader MUST start each submission's kernel
  with it) and ``check_identity_marker(nb, student)``;
- ``hidden``: ``my_truth()`` / ``my_tables()`` for hidden tests (the graded learner's variant);
- ``cohort``: ``simulate_cohort()`` / ``plan_cohort()``, simulated submissions at seven levels;
- ``autograde``, ``sandbox``, ``integrity``, ``feedback``: cohort autograding (``netmarketing grade``);
- ``review``: after manual grading, ``refresh()`` behind ``netmarketing feedback`` (one total, flags, feedback);
- ``flags``: integrity flags in the gradebook, raised by the grader and resolved in formgrader;
- ``formgrader``: formgrader for this course (rubric panels, flags, modules only) and ``netmarketing formgrader``.
"""
