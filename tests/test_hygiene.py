"""Repository hygiene: notebooks are committed without outputs, and generated files stay out of git."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def notebook_output_problems(notebook: dict) -> list[str]:
    """Return what a notebook still carries from a run: outputs, execution counts, saved widget state."""
    problems = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {number}: has {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {number}: execution_count {cell['execution_count']}")
    if notebook.get("metadata", {}).get("widgets"):
        problems.append("notebook metadata: saved widget state")
    return problems


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    if shutil.which("git") is None or not (root / ".git").exists():
        return None
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def repository_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the notebooks tracked by git plus those present under course/ (tracked or not)."""
    found = set()
    tracked = _git(root, "ls-files", "-z", "--", "*.ipynb")
    if tracked is not None and tracked.returncode == 0:
        found |= {root / name for name in tracked.stdout.split("\0") if name}
    found |= set((root / "course").rglob("*.ipynb"))
    return sorted(p for p in found if p.exists() and ".ipynb_checkpoints" not in p.parts)


def test_committed_notebooks_have_no_outputs():
    """Are all course notebooks free of outputs and execution counts?"""
    problems = {}
    for path in repository_notebooks():
        found = notebook_output_problems(json.loads(path.read_text(encoding="utf-8")))
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert not problems, (
        "請先清除輸出再提交 (clear outputs before committing, e.g. "
        f"`jupyter nbconvert --clear-output --inplace NOTEBOOK`): {problems}"
    )


def test_output_check_catches_a_run_notebook():
    """Does the check flag a notebook that was run (outputs, counts, widget state) and pass a clean one?"""
    run = {
        "cells": [
            {"cell_type": "markdown", "source": "# 標題", "metadata": {}},
            {
                "cell_type": "code",
                "execution_count": 3,
                "source": "1 + 1",
                "metadata": {},
                "outputs": [{"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {}}],
            },
            {"cell_type": "code", "execution_count": 4, "source": "x = 1", "metadata": {}, "outputs": []},
        ],
        "metadata": {"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"a": {}}}}},
    }
    problems = notebook_output_problems(run)
    assert problems == [
        "cell 2: has 1 output(s)",
        "cell 2: execution_count 3",
        "cell 3: execution_count 4",
        "notebook metadata: saved widget state",
    ]
    clean = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "source": "1 + 1", "metadata": {}, "outputs": []}
        ],
        "metadata": {},
    }
    assert notebook_output_problems(clean) == []


def test_notebook_search_finds_course_notebooks(tmp_path):
    """Does the notebook search look under course/ even for untracked notebooks (and skip checkpoints)?"""
    module = tmp_path / "course" / "01_market"
    (module / ".ipynb_checkpoints").mkdir(parents=True)
    (module / "t1_1.ipynb").write_text("{}", encoding="utf-8")
    (module / ".ipynb_checkpoints" / "t1_1-checkpoint.ipynb").write_text("{}", encoding="utf-8")
    assert repository_notebooks(tmp_path) == [module / "t1_1.ipynb"]


IGNORED = [
    ".venv/bin/python",
    "datasets/generated/orders.parquet",
    "autograder/release/01_market_analysis/t1_1_scope_and_sources.ipynb",
    "autograder/submitted/learner01/01_market_analysis/t1_1_scope_and_sources.ipynb",
    "autograder/autograded/learner01/01_market_analysis/t1_1_scope_and_sources.ipynb",
    "autograder/feedback/learner01/01_market_analysis/t1_1_scope_and_sources.html",
    "autograder/gradebook.db",
    "reports/learner01.html",
]
KEPT = [
    "course/01_market_analysis/t1_1_scope_and_sources.ipynb",
    "src/netmarketing/standard/KMC2431-008v1.yaml",
    "environment.yml",
    "datasets/README.md",
]


@pytest.mark.parametrize(("path", "should_ignore"), [(p, True) for p in IGNORED] + [(p, False) for p in KEPT])
def test_gitignore(path, should_ignore):
    """Does .gitignore keep the venv, generated data, the grading workspace and reports out of git, and no more?"""
    result = _git(ROOT, "check-ignore", "--no-index", "-q", path)
    if result is None:
        pytest.skip("not a git clone")
    assert result.returncode in (0, 1), result.stderr
    assert (result.returncode == 0) == should_ignore
