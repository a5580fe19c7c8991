"""A simulated cohort: submissions generated from the source notebooks, for tests, the demo and benchmarks.

Levels (one learner each, then cycling; see :func:`plan_cohort`):

``expert``
    every solution as the instructor wrote it;
``proficient``
    most solutions, about a quarter of the code answers wrong (the value is scaled or lost);
``novice``
    about a quarter of the solutions, the rest left as in the learner copy;
``blank``
    the learner copy, untouched;
``copier``
    the code answers replaced by literal values computed from ANOTHER learner's variant
    (the first expert of the cohort), and that learner's identity marker in the outputs,
    as if the file had been copied; the grader's checks judge them on the copier's own variant
    and fail;
``tamperer``
    expert answers, plus one auto-graded test cell edited (``edit-test``), deleted
    (``delete-test``) or stripped of its nbgrader metadata (``untag-test``), in turn;
``memoless``
    every automatic answer right, every written (judgement) answer left blank: automatic
    points never make up for blank judgement, so this learner is never certified;
``crasher``
    expert answers, but the first code answer starts with an infinite loop that swallows
    ``KeyboardInterrupt`` (``loop``), ``os._exit(1)`` (``exit``) or a memory bomb (``memory``,
    bounded at 4 GiB so that an unprotected run cannot take the machine down), in turn.

Widget items (answered by clicking and saving, ``answers/<grade id>.json``) get the right
saved answer of the learner's own variant when the class's ``variants`` are given
(:func:`netmarketing.grading.checks.write_saved_answers`); copiers get the classmate's.

Submissions are written in nbgrader's layout ``<out>/<student>/<module>/<notebook>.ipynb``
with a ``timestamp.txt``; the plan (who is which level, and the details above) is returned
as a :class:`Cohort` and saved to ``<out>/.cohort/<module>.json`` with a roster CSV
(dot-folders are invisible to nbgrader's globbing).
"""

from __future__ import annotations

import ast
import copy
import json
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from netmarketing.grading.cells import is_answer, item_kind, nbgrader_meta, source
from netmarketing.learner.identity import MARKER_LABEL

LEVELS = ("expert", "proficient", "novice", "blank", "copier", "tamperer", "crasher", "memoless")
#: Levels whose widget answers are right for their own variant (copiers take a classmate's).
_SAVES_OWN_ANSWERS = ("expert", "proficient", "tamperer", "crasher", "memoless")
TAMPER_MODES = ("edit-test", "delete-test", "untag-test")
CRASH_MODES = ("loop", "exit", "memory")
CRASH_CODE = {
    "loop": "while True:  # 模擬：吞掉中斷的無窮迴圈 (simulated: loop swallowing KeyboardInterrupt)\n"
    "    try:\n        pass\n    except KeyboardInterrupt:\n        pass\n",
    "exit": "import os  # 模擬：直接結束核心 (simulated: kernel exits)\nos._exit(1)\n",
    "memory": "_hog = []  # 模擬：記憶體炸彈 (simulated: memory bomb, bounded at 4 GiB)\n"
    "for _ in range(40):\n    _hog.append(b'x' * (100 * 2**20))\n",
}
_FIRST_NAMES = (
    "怡君",
    "志明",
    "雅婷",
    "冠宇",
    "淑芬",
    "家豪",
    "佳穎",
    "建宏",
    "詩涵",
    "俊傑",
    "宜蓁",
    "承翰",
)
_LAST_NAMES = ("陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭")
_CAPTURE_TAG = "<<NM-CAPTURE>>"
_LITERAL_PRELUDE = (
    "import numpy as np\nimport pandas as pd\nfrom pandas import NaT, Timestamp\n\nnan = float('nan')\n"
)


@dataclass
class SimulatedLearner:
    """One member of a simulated cohort.

    ``detail`` says what was done to the submission: ``copied_from`` (copier: whose
    variant the numbers come from), ``tamper`` / ``tampered_cell`` / ``tampered_cells``
    (tamperer: mode and the grade ids of the test cells touched, one per notebook),
    ``crash`` / ``crash_cell`` / ``crash_cells`` (crasher: mode and the answer cells
    that start with the crash).
    """

    student_id: str
    level: str
    first_name: str
    last_name: str
    email: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cohort:
    """A simulated cohort of one module and where its submissions were written."""

    module: str
    submitted_dir: Path
    learners: list[SimulatedLearner]

    def by_level(self, level: str) -> list[SimulatedLearner]:
        """Return the learners of one level."""
        return [learner for learner in self.learners if learner.level == level]

    def roster_rows(self) -> list[dict[str, str]]:
        """Return the roster rows (``id,first_name,last_name,email``)."""
        return [
            {"id": s.student_id, "first_name": s.first_name, "last_name": s.last_name, "email": s.email}
            for s in self.learners
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "submitted_dir": str(self.submitted_dir),
            "learners": [asdict(s) for s in self.learners],
        }

    @classmethod
    def read(cls, submitted_dir: Path, module: str) -> Cohort:
        """Read the plan saved by :func:`simulate_cohort` for one module."""
        data = json.loads((Path(submitted_dir) / ".cohort" / f"{module}.json").read_text(encoding="utf-8"))
        learners = [SimulatedLearner(**s) for s in data["learners"]]
        return cls(module=data["module"], submitted_dir=Path(data["submitted_dir"]), learners=learners)


def plan_cohort(n: int, *, levels: tuple[str, ...] = LEVELS, prefix: str = "sim") -> list[SimulatedLearner]:
    """Return ``n`` simulated learners: one of each level first, then the levels again in turn.

    Parameters
    ----------
    n : int
        Cohort size (at least 1).
    levels : tuple of str
        Levels to use, in this order; each must be in :data:`LEVELS`.
    prefix : str
        Student ids are ``f"{prefix}{i:02d}"``.
    """
    unknown = [level for level in levels if level not in LEVELS]
    if n < 1 or unknown or not levels:
        raise ValueError(
            f"學員數必須 >= 1，程度須為 {', '.join(LEVELS)} (n >= 1 and known levels; got n={n}, {unknown})"
        )
    learners = []
    counts: dict[str, int] = {}
    for i in range(n):
        level = levels[i % len(levels)]
        k = counts[level] = counts.get(level, 0) + 1
        detail: dict[str, Any] = {}
        if level == "tamperer":
            detail["tamper"] = TAMPER_MODES[(k - 1) % len(TAMPER_MODES)]
        elif level == "crasher":
            detail["crash"] = CRASH_MODES[(k - 1) % len(CRASH_MODES)]
        sid = f"{prefix}{i + 1:02d}"
        learners.append(
            SimulatedLearner(
                student_id=sid,
                level=level,
                first_name=_FIRST_NAMES[i % len(_FIRST_NAMES)],
                last_name=_LAST_NAMES[(i * 7) % len(_LAST_NAMES)],
                email=f"{sid}@example.edu.tw",
                detail=detail,
            )
        )
    return learners


# --- notebook surgery ------------------------------------------------------------------
def solution_text(cell: dict) -> str:
    """Return the complete answer of a source solution cell (delimiter lines removed)."""
    lines = source(cell).split("\n")
    return "\n".join(line for line in lines if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)


def _split_solution(cell: dict) -> tuple[str, str, str]:
    """Return (text before, solution region, text after) of a source solution cell."""
    lines = source(cell).split("\n")
    begin = next((i for i, line in enumerate(lines) if "BEGIN SOLUTION" in line), None)
    end = next((i for i, line in enumerate(lines) if "END SOLUTION" in line), None)
    if begin is None or end is None:
        return "", "\n".join(lines), ""
    return "\n".join(lines[:begin]), "\n".join(lines[begin + 1 : end]), "\n".join(lines[end + 1 :])


def assigned_names(code: str) -> list[str]:
    """Return the top-level names a piece of code assigns, in order (empty if it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            elts = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
            names.extend(e.id for e in elts if isinstance(e, ast.Name) and e.id not in names)
    return names


def _is_test_cell(cell: dict) -> bool:
    return item_kind(cell) == "auto"


def _identity_output(student_id: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": f"{MARKER_LABEL}{student_id}\n"}


def _mark_identity(nb: dict, student_id: str) -> None:
    """Give the identity cell the output the learner's own run would have left."""
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code" and ("whoami(" in source(cell) or "LEARNER_ID" in source(cell)):
            cell["outputs"] = [_identity_output(student_id)]
            cell["execution_count"] = 1
            return


def _wrong(code: str) -> str:
    """Return the answer with every assigned value spoiled (numbers scaled, other values lost)."""
    spoil = [
        f"try:\n    {name} = {name} * 0.9 + 1  # 算錯了 (wrong)\nexcept Exception:\n    {name} = None"
        for name in assigned_names(code)
    ]
    return code + "\n" + "\n".join(spoil)


# --- values of another learner's variant (for copiers) -------------------------------------
_CAPTURE_HELPER = r"""
def __nm_literal(value):
    import math
    import numpy as _np
    import pandas as _pd
    if isinstance(value, _np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if getattr(value, "size", 0) > 500 or (isinstance(value, (list, tuple, set, dict, str)) and len(value) > 500):
        return None  # a whole table is not an answer anyone would retype
    if isinstance(value, _pd.Series):
        return (f"pd.Series({[__nm_py(v) for v in value.tolist()]!r}, "
                f"index={[__nm_py(v) for v in value.index.tolist()]!r}, name={value.name!r})")
    if isinstance(value, _pd.DataFrame):
        cols = {c: [__nm_py(v) for v in value[c].tolist()] for c in value.columns}
        return f"pd.DataFrame({cols!r}, index={[__nm_py(v) for v in value.index.tolist()]!r})"
    if isinstance(value, (list, tuple, set, dict)):
        text = repr(value)
        import ast as _ast
        try:
            _ast.literal_eval(text)
            return text
        except (ValueError, SyntaxError):
            return None
    return None

def __nm_py(value):
    import numpy as _np
    return value.item() if isinstance(value, _np.generic) else value
"""


def _capture_values(
    source_nb: dict, notebook_dir: Path, learner: str, timeout: int, data: Path | None = None
) -> dict[int, dict[str, str]]:
    """Run a source notebook as ``learner`` and return literal expressions of each solution cell's values.

    ``data`` is that learner's data folder (tables only); without one, the public self-study
    variant is used, which is just as much "another learner's numbers" for the copier.

    Returns ``{cell index: {name: python literal expression}}``.
    """
    import nbformat
    from nbclient import NotebookClient

    from netmarketing.grading.identity import kernel_env_for

    nb = copy.deepcopy(source_nb)
    cells = []
    for index, cell in enumerate(nb["cells"]):
        cells.append(cell)
        if cell.get("cell_type") != "code" or not is_answer(cell):
            continue
        names = assigned_names(_split_solution(cell)[1])
        if not names:
            continue
        probe = "\n".join(
            f"try:\n    __nm_out[{name!r}] = __nm_literal({name})\nexcept Exception:\n    pass"
            for name in names
        )
        code = f"__nm_out = {{}}\n{probe}\nprint({_CAPTURE_TAG!r} + str({index}) + ' ' + __import__('json').dumps(__nm_out))"
        cells.append(nbformat.v4.new_code_cell(code))
    cells.insert(0, nbformat.v4.new_code_cell(_CAPTURE_HELPER))
    nb["cells"] = cells
    node = nbformat.reads(json.dumps(nb), as_version=4)  # joins list-of-lines sources
    from netmarketing.grading.sandbox import local_kernel_manager

    sockets = tempfile.mkdtemp(prefix="netmarketing-capture-")
    client = NotebookClient(
        node,
        km=local_kernel_manager(Path(sockets)),
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": str(notebook_dir)}},
    )
    env = kernel_env_for(learner)
    env.pop("NETMARKETING_ANSWERS", None)  # a capture run hands nothing in
    if data is not None:
        env["NETMARKETING_DATA"] = str(data)
    else:
        env.pop("NETMARKETING_DATA", None)
    try:
        client.execute(env=env)
    finally:
        import shutil

        shutil.rmtree(sockets, ignore_errors=True)
    values: dict[int, dict[str, str]] = {}
    for cell in node.cells:
        for output in cell.get("outputs", []):
            for line in str(output.get("text", "")).splitlines():
                if line.startswith(_CAPTURE_TAG):
                    index, payload = line[len(_CAPTURE_TAG) :].split(" ", 1)
                    values[int(index)] = {k: v for k, v in json.loads(payload).items() if v is not None}
    return values


def _copied(cell: dict, literals: dict[str, str]) -> str | None:
    before, region, after = _split_solution(cell)
    names = [name for name in assigned_names(region) if name in literals]
    if not names:
        return None
    body = "# 照抄同學的數字 (numbers copied from a classmate)\n" + _LITERAL_PRELUDE
    body += "\n".join(f"{name} = {literals[name]}" for name in names)
    return "\n".join(part for part in (before, body, after) if part)


# --- building one submission ---------------------------------------------------------------
def build_submission(
    release_nb: dict,
    source_nb: dict,
    learner: SimulatedLearner,
    *,
    rng: np.random.Generator,
    copied_values: dict[int, dict[str, str]] | None = None,
    copied_from: str | None = None,
) -> dict:
    """Return the notebook a simulated learner of ``learner.level`` would submit.

    Parameters
    ----------
    release_nb, source_nb : dict
        The learner copy (from ``generate_assignment``) and the instructor source.
    learner : SimulatedLearner
    rng : numpy Generator
        Chooses which answers a proficient learner gets wrong and which a novice solves.
    copied_values : dict, optional
        For copiers: ``{source cell index: {name: literal}}`` from another variant.
    copied_from : str, optional
        For copiers: whose variant the values come from (recorded in the identity output).
    """
    nb = copy.deepcopy(release_nb)
    level = learner.level
    if level == "blank":
        return nb
    source_by_id = {
        nbgrader_meta(c).get("grade_id"): (i, c)
        for i, c in enumerate(source_nb["cells"])
        if nbgrader_meta(c).get("grade_id")
    }
    solution_cells = [
        c for c in nb["cells"] if is_answer(c) and nbgrader_meta(c).get("grade_id") in source_by_id
    ]
    code_answers = [c for c in solution_cells if c.get("cell_type") == "code"]
    n_code = len(code_answers)
    wrong: set[int] = set()
    solved = set(range(len(solution_cells)))
    if level == "proficient" and n_code:
        k = max(1, round(n_code / 4))
        wrong = {id(code_answers[i]) for i in rng.choice(n_code, size=k, replace=False)}
    elif level == "novice":
        k = max(1, round(len(solution_cells) / 4)) if solution_cells else 0
        solved = set(rng.choice(len(solution_cells), size=k, replace=False).tolist()) if k else set()

    for position, cell in enumerate(solution_cells):
        index, src = source_by_id[nbgrader_meta(cell)["grade_id"]]
        if position not in solved:
            continue
        if level == "memoless" and cell.get("cell_type") != "code":
            continue  # the written answers stay as released
        answer = solution_text(src)
        if level == "copier" and cell.get("cell_type") == "code":
            copied = _copied(src, (copied_values or {}).get(index, {}))
            if copied is None:
                continue  # nothing worth copying: the cell stays as released
            answer = copied
        elif id(cell) in wrong:
            before, region, after = _split_solution(src)
            if not assigned_names(region):
                continue  # e.g. the body of a function: nothing to spoil, so left unanswered
            answer = "\n".join(part for part in (before, _wrong(region), after) if part)
        cell["source"] = answer

    if level == "tamperer":
        _tamper(nb, learner)
    elif level == "crasher" and code_answers:
        crash = learner.detail.get("crash", "loop")
        code_answers[0]["source"] = CRASH_CODE[crash] + source(code_answers[0])
        learner.detail.setdefault("crash_cell", nbgrader_meta(code_answers[0]).get("grade_id"))
        learner.detail.setdefault("crash_cells", []).append(nbgrader_meta(code_answers[0]).get("grade_id"))
    _mark_identity(nb, copied_from if level == "copier" and copied_from else learner.student_id)
    return nb


def _tamper(nb: dict, learner: SimulatedLearner) -> None:
    tests = [c for c in nb["cells"] if _is_test_cell(c)]
    if not tests:
        return
    target = tests[0]
    mode = learner.detail.get("tamper", "edit-test")
    # One target per notebook; the first one is also recorded on its own for convenience.
    learner.detail.setdefault("tampered_cell", nbgrader_meta(target).get("grade_id"))
    learner.detail.setdefault("tampered_cells", []).append(nbgrader_meta(target).get("grade_id"))
    if mode == "delete-test":
        nb["cells"].remove(target)
    elif mode == "untag-test":
        target["metadata"].pop("nbgrader", None)
        target["source"] = "# 測試已停用 (test disabled)\nassert True"
    else:
        target["source"] = "# 測試已改寫 (test rewritten)\nassert True"


# --- the cohort ---------------------------------------------------------------------------
def _release_copies(course_dir: Path, module: str) -> dict[str, dict]:
    """Generate the learner copies of a module in a throw-away workspace; return ``{filename: nb}``."""
    from netmarketing.grading.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="netmarketing-cohort-") as tmp:
        ws = Workspace(
            Path(tmp) / "autograder", course_dir=course_dir, db_url=f"sqlite:///{tmp}/gradebook.db"
        )
        ws.root.mkdir(parents=True)
        return _read_release(ws.generate(module))


def _read_release(folder: Path) -> dict[str, dict]:
    """Return ``{filename: notebook}`` of a module's learner copies."""
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("*.ipynb"))}


def simulate_cohort(
    module: str,
    n: int = 12,
    *,
    course_dir: Path,
    out: Path,
    levels: tuple[str, ...] = LEVELS,
    prefix: str = "sim",
    rng: int | np.random.Generator | None = 0,
    timeout: int = 300,
    timestamp: datetime | None = None,
    release_dir: Path | None = None,
    variants: Any = None,
) -> Cohort:
    """Write the submissions of a simulated cohort for one module and return the plan.

    Parameters
    ----------
    module : str
        Module folder of ``course_dir`` (an nbgrader assignment).
    n : int
        Number of learners (see :func:`plan_cohort` for the levels).
    course_dir : Path
        The nbgrader source folder.
    out : Path
        nbgrader's ``submitted`` folder; written as ``out/<student>/<module>/``.
    levels, prefix : see :func:`plan_cohort`.
    rng : int or Generator, optional
        Chooses the wrong and the solved answers; the same value gives the same cohort.
    timeout : int
        Per-cell timeout when running a source notebook for the copiers' values.
    timestamp : datetime, optional
        Submission time written to ``timestamp.txt`` (default now, UTC).
    release_dir : Path, optional
        The module's learner copies, freshly released by nbgrader from ``course_dir`` (e.g. by
        the demo); default: release them again in a throw-away workspace.
    variants : netmarketing.grading.variant.Variants, optional
        The class's variants: copiers then copy the numbers of a classmate's real variant;
        default the public self-study variant.

    Returns
    -------
    Cohort
    """
    rng = np.random.default_rng(rng)
    course_dir, out = Path(course_dir).resolve(), Path(out)
    if not (course_dir / module).is_dir():
        raise FileNotFoundError(f"找不到單元 {module!r}（{course_dir}）(unknown module)")
    learners = plan_cohort(n, levels=levels, prefix=prefix)
    releases = _read_release(release_dir) if release_dir is not None else {}
    if not releases:
        releases = _release_copies(course_dir, module)
    sources = {
        name: json.loads((course_dir / module / name).read_text(encoding="utf-8")) for name in releases
    }
    experts = [s.student_id for s in learners if s.level == "expert"]
    copied_from = experts[0] if experts else f"{prefix}-classmate"
    captured: dict[str, dict[int, dict[str, str]]] = {}
    stamp = (timestamp or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    for learner in learners:
        if learner.level == "copier":
            learner.detail["copied_from"] = copied_from
        folder = out / learner.student_id / module
        folder.mkdir(parents=True, exist_ok=True)
        for name, release_nb in releases.items():
            values = None
            if learner.level == "copier":
                if name not in captured:
                    data = variants.data_folder(copied_from) if variants is not None else None
                    captured[name] = _capture_values(
                        sources[name], course_dir / module, copied_from, timeout, data
                    )
                values = captured[name]
            nb = build_submission(
                release_nb, sources[name], learner, rng=rng, copied_values=values, copied_from=copied_from
            )
            (folder / name).write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (folder / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")
        if variants is not None:
            _save_widget_answers(folder, learner, copied_from, releases, variants)
    cohort = Cohort(module=module, submitted_dir=out, learners=learners)
    meta = out / ".cohort"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / f"{module}.json").write_text(
        json.dumps(cohort.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    from netmarketing.grading.workspace import write_roster

    write_roster(meta / "roster.csv", cohort.roster_rows())
    return cohort


def _save_widget_answers(
    folder: Path, learner: SimulatedLearner, copied_from: str, releases: dict[str, dict], variants: Any
) -> None:
    """Save the widget answers this learner would have clicked: right for their own variant, or a classmate's."""
    if learner.level not in (*_SAVES_OWN_ANSWERS, "copier"):
        return
    from netmarketing.grading.checks import Variant, load_checks, write_saved_answers

    load_checks()
    grade_ids = [nbgrader_meta(c).get("grade_id", "") for nb in releases.values() for c in nb["cells"]]
    whose = copied_from if learner.level == "copier" else learner.student_id
    world = variants.world(whose)
    write_saved_answers(folder, grade_ids, Variant(whose, world.tables, world.truth))


def levels_from_text(text: str) -> tuple[str, ...]:
    """Parse a comma-separated list of levels (for the command line)."""
    levels = tuple(x.strip() for x in re.split(r"[,\s]+", text) if x.strip())
    unknown = [level for level in levels if level not in LEVELS]
    if unknown or not levels:
        raise ValueError(f"未知的程度 {unknown}；可用：{', '.join(LEVELS)} (unknown levels)")
    return levels
