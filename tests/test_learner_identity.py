"""Tests of the learner's identity, the grader's kernel environment and the identity marker."""

from __future__ import annotations

import pytest

from netmarketing import learner
from netmarketing.grading.identity import check_identity_marker, kernel_env_for, recorded_learner_ids
from netmarketing.learner.identity import MARKER_LABEL


@pytest.fixture
def clean_identity(monkeypatch, tmp_path):
    """Start from no identity at all: no env variables, an empty NETMARKETING_HOME."""
    monkeypatch.delenv("NETMARKETING_LEARNER", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("NETMARKETING_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_identity_resolution_order(clean_identity, monkeypatch):
    """Is the id taken from NETMARKETING_LEARNER, then JUPYTERHUB_USER, then learner.txt, then self-study?"""
    assert learner.learner_id() == "self-study"
    clean_identity.mkdir()
    (clean_identity / "learner.txt").write_text("  amy  \nsecond line\n", encoding="utf-8")
    assert learner.learner_id() == "amy"
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-ben")
    assert learner.learner_id() == "hub-ben"
    monkeypatch.setenv("NETMARKETING_LEARNER", "graded-cho")
    assert learner.learner_id() == "graded-cho"


def test_blank_values_are_skipped(clean_identity, monkeypatch):
    """Does an empty variable or an empty learner.txt fall through to the next source?"""
    monkeypatch.setenv("NETMARKETING_LEARNER", "  ")
    monkeypatch.setenv("JUPYTERHUB_USER", "")
    clean_identity.mkdir()
    (clean_identity / "learner.txt").write_text("\n", encoding="utf-8")
    assert learner.learner_id() == "self-study"


def test_data_folder_names_the_learner_and_variant(clean_identity, monkeypatch, tmp_path):
    """Does a learner data folder give the id (when nothing else does) and its variant label, never a seed?"""
    from netmarketing.data.release import write_learner_data

    folder = write_learner_data({}, tmp_path / "d", learner="s011", variant="v-abc", scale=1.0)
    monkeypatch.setenv("NETMARKETING_DATA", str(folder))
    assert learner.learner_id() == "s011"
    assert learner.data.variant() == {"learner": "s011", "variant": "v-abc", "self_study": False}
    assert "seed" not in (folder / "variant.json").read_text(encoding="utf-8")
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-s012")
    assert learner.learner_id() == "hub-s012"  # the hub's user still comes first


def test_missing_data_folder_is_a_clear_error(clean_identity, monkeypatch, tmp_path):
    """Does a NETMARKETING_DATA that points nowhere give a zh-TW error instead of silent self-study data?"""
    monkeypatch.setenv("NETMARKETING_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="找不到資料資料夾"):
        learner.load("orders")


def test_self_study_is_said_out_loud(clean_identity, monkeypatch, capsys):
    """Does whoami() say self-study mode when there is no data folder?"""
    monkeypatch.delenv("NETMARKETING_DATA", raising=False)
    monkeypatch.setenv("HOME", str(clean_identity.parent))
    learner.whoami()
    printed = capsys.readouterr().out
    assert "資料版本 (data variant)：self-study" in printed and "自學模式" in printed


def test_kernel_env_for_overrides_the_graders_identity():
    """Does the grading kernel get the submitting learner's id and not the grader's hub user?"""
    env = kernel_env_for(
        "s007", base={"JUPYTERHUB_USER": "instructor", "NETMARKETING_LEARNER": "x", "PATH": "/bin"}
    )
    assert env["NETMARKETING_LEARNER"] == "s007"
    assert "JUPYTERHUB_USER" not in env
    assert env["PATH"] == "/bin"


def test_whoami_prints_the_marker(clean_identity, monkeypatch, capsys):
    """Does whoami() print the marker that check_identity_marker reads back?"""
    from netmarketing.data.release import write_learner_data

    folder = write_learner_data({}, clean_identity.parent / "d", learner="s003", variant="v-1", scale=1.0)
    monkeypatch.setenv("NETMARKETING_DATA", str(folder))
    monkeypatch.setenv("NETMARKETING_LEARNER", "s003")
    assert learner.whoami() == "s003"
    printed = capsys.readouterr().out
    nb = _notebook(printed)
    assert recorded_learner_ids(nb) == ["s003"]


def _notebook(
    output_text: str | None, source: str = "LEARNER_ID = learner.learner_id()\nlearner.whoami()"
) -> dict:
    outputs = (
        [] if output_text is None else [{"output_type": "stream", "name": "stdout", "text": output_text}]
    )
    return {"cells": [{"cell_type": "code", "source": source, "metadata": {}, "outputs": outputs}]}


def test_marker_of_another_learner_is_flagged():
    """Is a notebook that was run as another learner flagged, naming both ids?"""
    message = check_identity_marker(_notebook(f"{MARKER_LABEL}s002\n"), "s009")
    assert message is not None and "s002" in message and "s009" in message


def test_matching_or_absent_marker_is_not_flagged():
    """Is a notebook run by its own learner, or saved without outputs, left unflagged?"""
    assert (
        check_identity_marker(_notebook(f"{MARKER_LABEL}s009\n資料版本 (data variant)：seed 1\n"), "s009")
        is None
    )
    assert check_identity_marker(_notebook(None), "s009") is None


def test_rewritten_learner_id_line_is_flagged():
    """Is LEARNER_ID replaced by a fixed value flagged even without outputs?"""
    nb = _notebook(None, source='LEARNER_ID = "s002"\n')
    assert check_identity_marker(nb, "s009") is not None


def test_marker_in_rich_output_and_list_sources(tmp_path):
    """Is the marker found in an execute_result given as a list of lines, read from a file path?"""
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("LEARNER_ID = learner.learner_id()\nlearner.whoami()")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": f"'{MARKER_LABEL}s004'"})]
    nb.cells.append(cell)
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, str(path))
    assert "s004" in (check_identity_marker(path, "s005") or "")


def test_whoami_form_of_the_marker_is_accepted():
    """Is `LEARNER_ID = learner.whoami()  # comment` (the course's form) accepted as an untouched marker?"""
    nb = _notebook(None, source="LEARNER_ID = learner.whoami()  # keep this line\n")
    assert check_identity_marker(nb, "s009") is None
