"""Does every course notebook agree with its MyST Markdown twin (jupytext pairing)?

The notebooks under ``course/`` are the source of truth, edited in JupyterLab; jupytext keeps a
twin under ``course_text/`` for review (``jupytext.toml``). A notebook edited in JupyterLab
and saved updates both; an edit to only one of them fails here with the cell that differs.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "course").glob("[0-9][0-9]_*/*.ipynb"))


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, dict]]:
    return [
        (
            c.cell_type,
            c.source.strip(),
            {k: v for k, v in c.metadata.items() if k in ("nbgrader", "netmarketing")},
        )
        for c in nb.cells
    ]


def twin_of(notebook: Path) -> Path:
    return REPO / "course_text" / notebook.parent.name / f"{notebook.stem}.md"


def test_every_notebook_has_a_twin_and_no_twin_is_orphaned():
    """Is every course notebook paired, and every twin the pair of an existing notebook?"""
    assert NOTEBOOKS, "no course notebooks found"
    missing = [str(nb.relative_to(REPO)) for nb in NOTEBOOKS if not twin_of(nb).exists()]
    assert not missing, f"run `jupytext --sync` on: {missing}"
    twins = {twin_of(nb) for nb in NOTEBOOKS}
    orphans = [
        str(p.relative_to(REPO))
        for p in (REPO / "course_text").rglob("*.md")
        if p not in twins and p.name != "README.md"
    ]
    assert not orphans, f"twins without a notebook: {orphans}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_and_twin_agree(notebook):
    """Do the notebook and its twin hold the same cells, sources and grading metadata?"""
    left = _cells(nbformat.read(str(notebook), as_version=4))
    right = _cells(jupytext.read(str(twin_of(notebook))))
    assert len(left) == len(right), "cell count differs: run `jupytext --sync` after editing"
    for index, (a, b) in enumerate(zip(left, right, strict=True)):
        assert a == b, f"cell {index} differs between {notebook.name} and its twin: run `jupytext --sync`"


def test_a_one_sided_edit_is_caught(tmp_path):
    """Does editing only the twin make the comparison fail (the check can fail)?"""
    notebook = NOTEBOOKS[0]
    twin = jupytext.read(str(twin_of(notebook)))
    twin.cells[0].source += "\n改了一個字"
    assert _cells(nbformat.read(str(notebook), as_version=4)) != _cells(twin)
