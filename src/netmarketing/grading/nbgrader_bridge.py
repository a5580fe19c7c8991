"""One grading path: nbgrader's own autograde (formgrader's button, ``nbgrader autograde``) runs ours.

nbgrader's ``Autograde`` converter would execute hidden tests inside the learner's kernel
and grade every learner against the variant of whoever runs it. This course's
``nbgrader_config.py`` (:meth:`.workspace.Workspace.configure`) replaces its preprocessors:
the sanitizing pass does nothing, and the autograding pass is :class:`TrustedAutograde`,
which runs :func:`netmarketing.grading.autograde.grade_modules` for the submission being
graded (sandboxed kernel, answers judged by the grader's checks, the learner's own
variant, integrity flags, results table, feedback) and hands nbgrader back the notebook
that pipeline executed. nbgrader's ``SaveAutoGrades`` is not run, so the gradebook holds
exactly the scores ``netmarketing grade`` writes. Whatever path an instructor takes, the
score is the same.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

#: Per nbgrader run (its exporter): {(assignment, student): {notebook: executed notebook}}.
#: nbgrader calls the preprocessor once per notebook; the pipeline grades the whole submission once.
_GRADED: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], dict[str, Any]]] = weakref.WeakKeyDictionary()


class TrustedAutograde(Preprocessor):
    """nbgrader autograde step that grades the submission with the course's trusted pipeline."""

    enabled = Bool(True).tag(config=True)  # nbconvert skips preprocessors that are not enabled

    def _workspace(self) -> Any:
        from netmarketing.grading.workspace import Workspace

        course = self.config.CourseDirectory
        root = Path(str(course.root or ".")).resolve()
        source = Path(str(course.source_directory or "source"))
        return Workspace(root, course_dir=(root / source).resolve(), db_url=str(course.db_url) or None)

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        import nbformat

        info = resources["nbgrader"]
        key = (info["assignment"], info["student"])
        run = _GRADED.setdefault(self.parent, {})
        if key not in run:
            run[key] = self._grade(*key)
        graded = run[key].get(info["notebook"])
        if graded is None:
            from nbgrader.converters.base import NbGraderException

            from netmarketing.grading.results import load_results

            record = load_results(self._workspace(), info["assignment"]).get(info["student"], {})
            raise NbGraderException(
                f"評分程式無法評分 {info['student']} 的 {info['notebook']}：{record.get('reason_zh', '原因不明')} "
                f"(the trusted grader could not grade this notebook: {record.get('reason_en', 'unknown')})"
            )
        return nbformat.from_dict(graded), resources

    def _grade(self, assignment: str, student: str) -> dict[str, Any]:
        import nbformat

        from netmarketing.cli import UserError
        from netmarketing.grading.autograde import GradeOptions, grade_modules

        ws = self._workspace()
        try:
            grade_modules(ws, [assignment], GradeOptions(students=[student], force=True, progress=False))
        except UserError as exc:
            from nbgrader.converters.base import NbGraderException

            raise NbGraderException(str(exc)) from exc
        folder = Path(ws.autograded_dir) / student / assignment
        return {p.stem: nbformat.read(str(p), as_version=4) for p in folder.glob("*.ipynb")}


class PassThrough(Preprocessor):
    """nbgrader's sanitizing pass, left empty: the trusted pipeline reads the submission itself."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return nb, resources
