"""The evidence map: which graded cell is evidence for which behaviour indicator.

Convention (checked by ``netmarketing course check``):

- every nbgrader graded cell (``metadata.nbgrader.grade == true``, auto-graded
  test cells and manually graded answers alike) carries
  ``metadata.netmarketing.indicator`` with one indicator code of the standard,
  for example ``"P1.2.4"``; deliverables also carry
  ``metadata.netmarketing.output``, for example ``"O1.2.1"``;
- its ``grade_id`` starts with the indicator's slug and two underscores,
  ``p1_2_4__rfm_segments``, so that a gradebook row (which only knows the
  grade id) maps to its indicator without the notebooks;
- practice modules (``00_orientation``) use ``"practice"`` as indicator and
  ``practice__`` as prefix; they never count toward a level decision;
- a graded item also names the knowledge and skill codes it exercises,
  ``metadata.netmarketing.ks`` (``["K03", "S01"]``), all from its task's list in the
  standard; a written (judgement) item names its rubric, ``metadata.netmarketing.rubric``;
- a reflection prompt for an attitude (A01-A06) is a written cell with the indicator
  ``"reflection"``, the grade-id prefix ``reflection__``, ``metadata.netmarketing.attitude``
  and 0 points: the certifier reads it, it is never scored.

A cell whose notebook role is "autograder tests" is ``kind="auto"``; a graded
solution or markdown cell is ``kind="manual"`` (judgement evidence, graded in formgrader
against a rubric in ``autograder/rubrics/``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from netmarketing.grading.cells import item_kind

PRACTICE = "practice"
REFLECTION = "reflection"
#: Pseudo-indicators whose items never count toward a level decision.
NOT_COUNTED = (PRACTICE, REFLECTION)
_SLUG_RE = re.compile(r"^(?P<slug>p\d+_\d+_\d+|practice|reflection)__[a-z0-9_]+$")


@dataclass(frozen=True)
class EvidenceItem:
    """One graded cell and what it is evidence for."""

    module: str  # assignment name = course folder, e.g. "01_market_analysis"
    notebook: str  # notebook name without .ipynb
    grade_id: str
    indicator: str  # "P1.2.4", or "practice"
    output: str | None  # "O1.2.1" for deliverables
    points: float
    kind: str  # "auto" or "manual"
    ks: tuple[str, ...] = ()  # knowledge and skill codes exercised, e.g. ("K03", "S01")
    rubric: str | None = None  # written items: the rubric they are graded with
    attitude: str | None = None  # reflection prompts: the attitude A01-A06

    @property
    def counts_toward_level(self) -> bool:
        return self.indicator not in NOT_COUNTED

    def as_dict(self) -> dict:
        return asdict(self)


def indicator_slug(code: str) -> str:
    """Return the grade-id prefix of an indicator code: ``"P1.2.4"`` -> ``"p1_2_4"``."""
    return code.lower().replace(".", "_")


def indicator_from_grade_id(grade_id: str) -> str:
    """Return the indicator code a grade id is evidence for.

    >>> indicator_from_grade_id("p1_2_4__rfm_segments")
    'P1.2.4'
    >>> indicator_from_grade_id("practice__first_chart")
    'practice'
    """
    match = _SLUG_RE.match(grade_id)
    if not match:
        raise ValueError(
            f"grade_id {grade_id!r} 不符合命名規則：應以行為指標代碼開頭，例如 p1_2_4__rfm_segments "
            "(grade ids start with the indicator slug, e.g. p1_2_4__rfm_segments)"
        )
    slug = match.group("slug")
    return slug if slug in NOT_COUNTED else slug.upper().replace("_", ".")


def notebook_evidence(path: Path, module: str | None = None) -> list[EvidenceItem]:
    """Return the evidence items of one source notebook, in cell order."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    module = module or Path(path).parent.name
    items = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        nbg = meta.get("nbgrader", {})
        if not nbg.get("grade", False):
            continue
        nm = meta.get("netmarketing", {})
        items.append(
            EvidenceItem(
                module=module,
                notebook=Path(path).stem,
                grade_id=nbg.get("grade_id", ""),
                indicator=nm.get("indicator", ""),
                output=nm.get("output"),
                points=float(nbg.get("points", 0) or 0),
                kind=item_kind(cell) or "manual",
                ks=tuple(nm.get("ks", []) or []),
                rubric=nm.get("rubric"),
                attitude=nm.get("attitude"),
            )
        )
    return items


def course_modules(course_dir: Path) -> list[Path]:
    """Return the module folders of the course (``NN_slug``), in order."""
    return sorted(p for p in Path(course_dir).iterdir() if p.is_dir() and re.match(r"^\d\d_", p.name))


def evidence_map(course_dir: Path) -> list[EvidenceItem]:
    """Return every graded item of every module of the course, in course order."""
    items: list[EvidenceItem] = []
    for module in course_modules(course_dir):
        for nb in sorted(module.glob("*.ipynb")):
            items.extend(notebook_evidence(nb, module.name))
    return items
