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

Feedback takes one path too. nbgrader's Generate Feedback (formgrader's button,
``nbgrader generate_feedback``) exports each autograded notebook with
:class:`ProjectFeedback`, which writes the course's own feedback for that learner
(``feedback/``: :mod:`.feedback`, after applying the manual grades as ``netmarketing
feedback`` does, :mod:`.review`) and hands nbgrader that notebook's page. nbgrader writes
it to its own feedback folder (``feedback_release/``, :data:`.formgrader.RELEASE_FEEDBACK_DIR`),
which it empties first and which Release Feedback sends: the learner gets exactly the
course's pages, and nothing nbgrader deletes is the course's feedback.

formgrader's submission page gets the learner, the flags and the rubric panels from
:class:`FormgraderPanels` (:mod:`.formgrader`).
"""

from __future__ import annotations

import shutil
import weakref
from pathlib import Path
from typing import Any

from nbconvert.exporters import Exporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode, default

#: Per nbgrader run (its exporter): {(assignment, student): {notebook: executed notebook}}.
#: nbgrader calls the preprocessor once per notebook; the pipeline grades the whole submission once.
_GRADED: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], dict[str, Any]]] = weakref.WeakKeyDictionary()


class TrustedAutograde(Preprocessor):
    """nbgrader autograde step that grades the submission with the course's trusted pipeline."""

    enabled = Bool(True).tag(config=True)  # nbconvert skips preprocessors that are not enabled

    def _workspace(self) -> Any:
        return _workspace(self.config.CourseDirectory)

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


def _workspace(course: Any) -> Any:
    """Return the grading workspace of nbgrader's ``CourseDirectory`` (its object or its config section)."""
    from netmarketing.grading.workspace import Workspace

    root = Path(str(course.root or ".")).resolve()
    source = Path(str(course.source_directory or "source"))
    return Workspace(root, course_dir=(root / source).resolve(), db_url=str(course.db_url) or None)


class PassThrough(Preprocessor):
    """nbgrader's sanitizing pass, left empty: the trusted pipeline reads the submission itself."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return nb, resources


class ProjectFeedback(Exporter):
    """nbgrader's Generate Feedback exporter: writes the course's feedback and returns one notebook's page."""

    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ready: dict[str, Any] = {}  # module -> (workspace, manual grades, rubrics, names)

    def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:
        _, resources = super().from_notebook_node(nb, resources, **kw)
        info = resources["nbgrader"]
        module, learner, notebook = info["assignment"], info["student"], info["notebook"]
        folder = self._write(module, learner)
        page = folder / f"{notebook}.html"
        if not page.is_file():
            raise _failure(
                f"{learner} 的 {module} 沒有 {notebook} 的回饋頁 (no feedback page for {notebook})"
            )
        return page.read_text(encoding="utf-8"), resources

    def _write(self, module: str, learner: str) -> Path:
        from netmarketing.cli import UserError
        from netmarketing.grading.feedback import RELEASE_FILES
        from netmarketing.grading.flags import resolved_submissions
        from netmarketing.grading.results import load_results
        from netmarketing.grading.review import (
            collect_manual,
            learner_names,
            load_workspace_rubrics,
            refresh,
            write_learner_feedback,
        )

        if module not in self._ready:
            ws = _workspace(getattr(self.parent, "coursedir", None) or self.config.CourseDirectory)
            try:
                refresh(
                    ws, [module], students=()
                )  # scores, results totals and flags, as `netmarketing feedback`
            except UserError as exc:
                raise _failure(str(exc)) from exc
            rubrics = load_workspace_rubrics(ws)
            manual, _ = collect_manual(ws, module, rubrics, apply=False)
            self._ready[module] = (ws, manual, rubrics, learner_names(ws))
        ws, manual, rubrics, names = self._ready[module]
        record = load_results(ws, module).get(learner)
        if record is None:
            raise _failure(
                f"{learner} 的 {module} 沒有評分結果；請先執行 netmarketing grade {module} "
                f"(no grading record: run netmarketing grade first)"
            )
        resolved = (learner, module) in resolved_submissions(ws.root)
        folder = write_learner_feedback(
            ws, module, record, manual.get(learner, {}), rubrics, names, resolved=resolved
        ).parent
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is not None:  # Release Feedback reads these beside the pages it sends
            release = Path(coursedir.format_path(coursedir.feedback_directory, learner, module))
            release.mkdir(parents=True, exist_ok=True)
            for name in RELEASE_FILES:
                if (folder / name).is_file():
                    shutil.copyfile(folder / name, release / name)
        return folder


def _failure(message: str) -> Exception:
    from nbgrader.converters.base import NbGraderException

    return NbGraderException(message)


class FormgraderPanels(Preprocessor):
    """formgrader's submission page: add the learner, the flags and the rubric panels (:mod:`.formgrader`)."""

    enabled = Bool(True).tag(config=True)
    autograder = Unicode("", help="The grading workspace (autograder/)").tag(config=True)
    course = Unicode("", help="The course source folder").tag(config=True)
    db_url = Unicode("", help="The gradebook URL").tag(config=True)

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        student, module = resources.get("student"), resources.get("assignment_id")
        if not (student and module and self.autograder):
            return nb, resources  # not formgrader's submission page
        from netmarketing.grading.formgrader import page_parts
        from netmarketing.grading.workspace import Workspace

        ws = Workspace(Path(self.autograder), course_dir=Path(self.course), db_url=self.db_url or None)
        notebook = resources.get("notebook_id", "")
        resources["netmarketing"] = page_parts(ws, module, student, notebook, nb, resources)
        return nb, resources
