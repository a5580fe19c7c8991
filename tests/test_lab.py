"""Does `make lab` open JupyterLab in zh-TW on the learner copies (never the instructor sources)?"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import LAB_TOKEN as TOKEN
from tests.conftest import running_lab

REPO = Path(__file__).resolve().parents[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
        return json.loads(response.read().decode("utf-8"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start `netmarketing lab` on a private workspace and yield its base URL and workspace."""
    workspace = tmp_path_factory.mktemp("lab") / "autograder"
    workspace.mkdir()
    with running_lab(workspace, "--course", str(REPO / "course")) as base:
        yield base, workspace


@pytest.mark.slow
def test_lab_serves_learner_copies_of_every_module(lab):
    """Does the lab's file browser show every course module as a learner copy without solutions?"""
    base, workspace = lab
    modules = sorted(p.name for p in (REPO / "course").iterdir() if p.is_dir() and p.name[:2].isdigit())
    listing = _get(f"{base}/api/contents?token={TOKEN}")
    assert sorted(item["name"] for item in listing["content"] if item["type"] == "directory") == modules
    for module in modules:
        sources = sorted(p.name for p in (REPO / "course" / module).glob("*.ipynb"))
        served = _get(f"{base}/api/contents/{module}?token={TOKEN}")
        assert sorted(i["name"] for i in served["content"] if i["name"].endswith(".ipynb")) == sources
        for name in sources:
            nb = _get(f"{base}/api/contents/{module}/{name}?token={TOKEN}")["content"]
            text = "\n".join(
                "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
            )
            assert "### BEGIN SOLUTION" not in text, f"{module}/{name} is an instructor copy"
            assert "### BEGIN HIDDEN TESTS" not in text, f"{module}/{name} leaks hidden tests"
    assert (workspace / "release").is_dir()


@pytest.mark.slow
def test_lab_interface_is_traditional_chinese(lab):
    """Is the interface's locale zh_TW, with the zh-TW language pack served?"""
    base, _ = lab
    setting = _get(f"{base}/lab/api/settings/@jupyterlab/translation-extension:plugin?token={TOKEN}")
    # overrides.json (written by set-up) becomes the schema default; no user setting is needed.
    locale = setting["settings"].get("locale", setting["schema"]["properties"]["locale"]["default"])
    assert locale == "zh_TW"
    bundle = _get(f"{base}/lab/api/translations/zh_TW?token={TOKEN}")
    assert bundle["data"]["jupyterlab"][""]["language"] == "zh-TW"
    # A string learners see on the launcher is translated.
    assert any("啟動" in str(v) for v in bundle["data"]["jupyterlab"].values())


@pytest.mark.slow
def test_lab_hides_instructor_panels_but_keeps_validate(lab):
    """Are nbgrader's instructor panels (create assignment, formgrader) off for learners, Validate on?"""
    import html
    import re

    base, _ = lab
    with urllib.request.urlopen(f"{base}/lab?token={TOKEN}", timeout=10) as response:  # loopback only
        page = response.read().decode("utf-8")
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)
    assert found, "the lab page carries no page config"
    config = json.loads(html.unescape(found.group(1)))
    disabled = config.get("disabledExtensions", [])
    assert "@jupyter/nbgrader:create-assignment" in disabled
    assert "@jupyter/nbgrader:formgrader" in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
