"""Integrity of a submission: restore what the learner must not change, and say what was changed.

nbgrader overwrites edited locked and test cells silently and warns about
"changed checksums" even for untouched hidden-test cells, so its warnings cannot
tell an instructor who tampered. Here every graded, locked or task cell of the
*submitted* notebook is compared with the same cell of the *source* notebook
(in its learner version: solutions and hidden tests removed, exactly as nbgrader
releases it); a real difference is restored and recorded as an :class:`Issue`.
Deleted or de-tagged test cells are restored from the source and recorded too.

Every problem the autograder meets is an :class:`Issue` with a code, a severity
and a reason in zh-TW and English, so that the results table, the instructor and
the learner's feedback say the same thing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import nbformat
from nbformat import NotebookNode

from netmarketing.grading import cells

#: Status of a submission, most severe first; a submission's status is that of its most severe issue.
STATUS_ORDER = ("error", "corrupt", "missing", "killed", "crashed", "memory", "timeout", "flagged", "graded")
#: Statuses that are graded again on the next run even when the submission did not change.
RETRY_STATUSES = ("error",)

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"
HIDDEN_END = "END HIDDEN TESTS"


@dataclass
class Issue:
    """One thing the autograder had to handle in a submission."""

    code: str
    status: str  # the submission status this issue implies (see STATUS_ORDER)
    reason_zh: str
    reason_en: str
    notebook: str | None = None
    cell: str | None = None  # grade id, or "cell N" for an untagged cell

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def worst_status(issues: Iterable[Mapping[str, Any]]) -> str:
    """Return the most severe status implied by ``issues`` (``"graded"`` when there are none)."""
    statuses = {issue["status"] for issue in issues}
    return next((s for s in STATUS_ORDER if s in statuses), "graded")


# -- nbgrader cell roles ---------------------------------------------------------------------
# The readers live in .cells; these names stay for the modules that import them from here.
nbgrader_meta = cells.nbgrader_meta
cell_role = cells.role
source_text = cells.source


def normalize(text: str) -> str:
    """Return ``text`` without trailing spaces and surrounding blank lines (what editors change)."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip("\n")


def has_hidden_tests(cell: Mapping[str, Any]) -> bool:
    return HIDDEN_BEGIN in source_text(cell)


def strip_hidden(text: str) -> str:
    """Return ``text`` without its ``### BEGIN/END HIDDEN TESTS`` regions (nbgrader's rule)."""
    kept, hidden = [], False
    for line in text.split("\n"):
        if HIDDEN_BEGIN in line:
            hidden = True
        elif HIDDEN_END in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def hidden_lines(source_nb: Mapping[str, Any], *, min_length: int = 12) -> set[str]:
    """Return the distinctive lines of every hidden-test region (to scrub them from feedback)."""
    lines: set[str] = set()
    for cell in source_nb.get("cells", []):
        inside = False
        for line in source_text(cell).split("\n"):
            if HIDDEN_BEGIN in line:
                inside = True
            elif HIDDEN_END in line:
                inside = False
            elif inside and len(line.strip()) >= min_length:
                lines.add(line.strip())
    return lines


def release_version(source_nb: NotebookNode, config: Any = None) -> NotebookNode:
    """Return the learner version of a source notebook, as nbgrader releases it.

    Solutions are replaced by the course's stubs (nbgrader ``ClearSolutions`` with
    the workspace configuration) and hidden tests are removed.
    """
    from nbgrader.preprocessors import ClearSolutions

    nb = copy.deepcopy(source_nb)
    nb, _ = ClearSolutions(config=config).preprocess(nb, {})
    for cell in nb.cells:
        cell.source = strip_hidden(cell.source)
    return nb


# -- merging a submission with its source ------------------------------------------------------
def _issue(code: str, status: str, zh: str, en: str, notebook: str, cell: str | None = None) -> Issue:
    return Issue(code, status, zh, en, notebook, cell)


def merge_submission(
    source_nb: NotebookNode, release_nb: NotebookNode, submitted_nb: NotebookNode, notebook: str
) -> tuple[NotebookNode, list[Issue]]:
    """Return the notebook to execute and the integrity issues of one submitted notebook.

    - test, locked and task cells are taken from the source (hidden tests included);
      a learner's edit of them is recorded (``locked_cell_edited``);
    - answer cells keep the learner's source with the source's nbgrader metadata;
    - a deleted or de-tagged test/locked cell is restored where it belongs
      (``test_cell_restored``); a deleted answer cell comes back as the stub
      (``answer_cell_missing``);
    - learner cells that claim an unknown or duplicated grade id lose that tag;
    - the learner's own extra cells stay, untagged, in their place.

    Outputs are cleared: the notebook is graded on what it does now.
    """
    issues: list[Issue] = []
    src_cells = source_nb.cells
    rel_cells = release_nb.cells
    by_id = {nbgrader_meta(c)["grade_id"]: i for i, c in enumerate(src_cells) if cell_role(c)}
    out: list[tuple[int | None, NotebookNode]] = []
    seen: set[str] = set()
    for _idx, cell in enumerate(submitted_nb.cells):
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid in by_id and gid not in seen:
            seen.add(gid)
            i = by_id[gid]
            role = cell_role(src_cells[i])
            if role == "answer":
                kept = copy.deepcopy(cell)
                kept.cell_type = src_cells[i].cell_type
                kept.metadata = copy.deepcopy(src_cells[i].metadata)
                out.append((i, _as_cell(kept)))
                continue
            if normalize(source_text(cell)) != normalize(rel_cells[i].source) or cell.get(
                "cell_type"
            ) != src_cells[i].get("cell_type"):
                kind_zh = "測試" if role == "test" else "鎖定"
                issues.append(
                    _issue(
                        "locked_cell_edited",
                        "flagged",
                        f"{kind_zh}儲存格 {gid} 被修改，已還原為原始內容後評分（請勿修改題目與測試）",
                        f"{role} cell {gid} was edited; restored from the source notebook before grading",
                        notebook,
                        gid,
                    )
                )
            out.append((i, copy.deepcopy(src_cells[i])))
            continue
        plain = _as_cell(copy.deepcopy(cell))
        if meta:
            plain.metadata.pop("nbgrader", None)
            if gid and gid not in by_id:
                issues.append(
                    _issue(
                        "unknown_grade_id",
                        "flagged",
                        f"儲存格標記 {gid} 不屬於本單元，已移除標記（不計分）",
                        f"cell tagged with unknown grade id {gid}; tag removed (not graded)",
                        notebook,
                        gid,
                    )
                )
        out.append((None, plain))

    # Restore what is missing, right after the closest preceding source cell that is present.
    for i, src in enumerate(src_cells):
        role = cell_role(src)
        gid = nbgrader_meta(src).get("grade_id")
        if not role or gid in seen:
            continue
        seen.add(gid)
        if role == "answer":
            out.insert(_insert_position(out, i), (i, copy.deepcopy(rel_cells[i])))
            issues.append(
                _issue(
                    "answer_cell_missing",
                    "flagged",
                    f"作答儲存格 {gid} 被刪除，視為未作答",
                    f"answer cell {gid} was deleted; graded as unanswered",
                    notebook,
                    gid,
                )
            )
            continue
        detagged = _find_detagged(out, rel_cells[i])
        if detagged is not None:
            out[detagged] = (i, copy.deepcopy(src))
            how_zh, how_en = "被移除標記 (metadata)", "de-tagged (metadata removed)"
        else:
            out.insert(_insert_position(out, i), (i, copy.deepcopy(src)))
            how_zh, how_en = "被刪除", "deleted"
        issues.append(
            _issue(
                "test_cell_restored",
                "flagged",
                f"{'測試' if role == 'test' else '鎖定'}儲存格 {gid} {how_zh}，已從原始教材還原並重新評分",
                f"{role} cell {gid} was {how_en}; restored from the source notebook and graded",
                notebook,
                gid,
            )
        )

    merged = copy.deepcopy(source_nb)
    merged.cells = [cell for _, cell in out]
    for cell in merged.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return merged, issues


def _as_cell(cell: Mapping[str, Any]) -> NotebookNode:
    node = nbformat.from_dict(dict(cell))
    node.source = source_text(node)
    node.setdefault("metadata", nbformat.NotebookNode())
    if node.get("cell_type") == "code":
        node.setdefault("outputs", [])
        node.setdefault("execution_count", None)
    return node


def _find_detagged(out: list[tuple[int | None, NotebookNode]], release_cell: NotebookNode) -> int | None:
    target = normalize(release_cell.source)
    for pos, (src_index, cell) in enumerate(out):
        if src_index is None and target and normalize(source_text(cell)) == target:
            return pos
    return None


def _insert_position(out: list[tuple[int | None, NotebookNode]], source_index: int) -> int:
    before = [pos for pos, (i, _) in enumerate(out) if i is not None and i < source_index]
    if before:
        return max(before) + 1
    after = [pos for pos, (i, _) in enumerate(out) if i is not None and i > source_index]
    return min(after) if after else len(out)


# -- finding the notebooks of a submission ----------------------------------------------------
def grade_ids(nb: Mapping[str, Any]) -> set[str]:
    return {nbgrader_meta(c).get("grade_id") for c in nb.get("cells", []) if nbgrader_meta(c).get("grade_id")}


def match_misnamed(missing: Mapping[str, set[str]], candidates: Mapping[str, set[str]]) -> dict[str, str]:
    """Return ``{expected notebook: submitted file}`` for renamed notebooks, matched by their grade ids.

    ``missing`` maps each expected notebook that was not found to its grade ids;
    ``candidates`` maps each unexpected submitted ``.ipynb`` to the grade ids it carries.
    A candidate is taken when it shares the most grade ids with the expected notebook (at least one).
    """
    matched: dict[str, str] = {}
    taken: set[str] = set()
    for name, ids in missing.items():
        best = max(
            ((len(ids & cids), cand) for cand, cids in candidates.items() if cand not in taken),
            default=(0, None),
        )
        if best[0] > 0 and best[1] is not None:
            matched[name] = best[1]
            taken.add(best[1])
    return matched
