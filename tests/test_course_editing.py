"""Does a course notebook edited and saved in JupyterLab keep its MyST twin in step (jupytext pairing)?

JupyterLab saves a notebook through the server's contents API; with jupytext's server
extension (installed with the course kit) and ``jupytext.toml``, the same save writes the
twin under ``course_text/``. This test saves an edited cell through that API on a copy of the
course, exactly as the Save button does, and checks the pair agrees again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jupytext
import nbformat
import pytest

from netmarketing.hub.process import free_port

REPO = Path(__file__).resolve().parents[1]
TOKEN = "course-editing-test"
NOTEBOOK = "course/00_orientation/o1_getting_started.ipynb"
TWIN = "course_text/00_orientation/o1_getting_started.md"


def _request(url: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # loopback only
        return json.loads(answer.read() or b"{}")


@pytest.mark.slow
def test_a_cell_saved_in_jupyterlab_updates_the_twin(tmp_path):
    """Saved through the server like JupyterLab's Save button, does the edit reach both the notebook and its twin?"""
    for part in ("course", "course_text"):
        shutil.copytree(REPO / part, tmp_path / part)
    shutil.copy(REPO / "jupytext.toml", tmp_path / "jupytext.toml")
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", f"--port={port}",
         f"--ServerApp.token={TOKEN}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={tmp_path}",
         "--allow-root"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/contents/{NOTEBOOK}?token={TOKEN}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                model = _request(base + "&content=1")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((server.stdout.read() if server.stdout else "")[-2000:])
                time.sleep(1)
        edit = "講師在 JupyterLab 裡改了這一句。"
        model["content"]["cells"][0]["source"] += "\n\n" + edit
        _request(base, "PUT", {"type": "notebook", "format": "json", "content": model["content"]})
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    saved = nbformat.read(str(tmp_path / NOTEBOOK), as_version=4)
    twin = jupytext.read(str(tmp_path / TWIN))
    assert edit in saved.cells[0].source and edit in twin.cells[0].source
    assert [c.source.strip() for c in saved.cells] == [c.source.strip() for c in twin.cells]
    assert [c.metadata.get("nbgrader") for c in saved.cells] == [
        c.metadata.get("nbgrader") for c in twin.cells
    ]
    assert "jupytext" not in saved.metadata  # the pairing lives in jupytext.toml, not in the notebook
