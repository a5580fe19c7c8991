"""Tests of warm kernels (grading/warmkernel.py): forked kernels behave like freshly started ones."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from netmarketing.grading import warmkernel
from netmarketing.grading.sandbox import SandboxLimits, make_kernel_manager, sandbox_options

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork server is Linux only")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("forkserver")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": str(home),
    }
    srv = warmkernel.ForkServer(env, home)
    yield srv
    srv.close()


def _run(server, work: Path, sources: list[str], env: dict[str, str], timeout: int = 30):
    work.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    options = sandbox_options(work, uid=None, limits=SandboxLimits())
    km = make_kernel_manager(options, warm=server)
    client = NotebookClient(
        nb, km=km, timeout=timeout, allow_errors=True, interrupt_on_timeout=True, kernel_name="python3"
    )
    kernel_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), "TMPDIR": str(work), **env}
    client.execute(env=kernel_env, cwd=str(work))
    assert km.warm_kernel, "the kernel was not forked from the server"
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


@pytest.mark.slow
def test_server_preloads_libraries_single_threaded(server) -> None:
    """Does the server come up with one thread and the course libraries already mapped?"""
    assert server.alive()
    assert server.vm_kb > 500 * 1024  # pandas, matplotlib, seaborn... are in (cold python: ~20 MB)
    assert not server.fits(1024) and server.fits(8192)


@pytest.mark.slow
def test_each_kernel_is_fresh_with_its_own_environment(server, tmp_path: Path) -> None:
    """Does a forked kernel see only its own environment, folder and state, never a previous kernel's?"""
    probe = (
        "import os, sys, random, numpy as np\n"
        "print(os.environ.get('NETMARKETING_LEARNER'), os.getcwd(), sys.path[0], sep='|')\n"
        "print('left' in globals(), random.random(), np.random.random(), sep='|')\n"
        "left = 1"
    )
    first = _run(server, tmp_path / "a", [probe], {"NETMARKETING_LEARNER": "amy"})
    second = _run(server, tmp_path / "b", [probe], {"NETMARKETING_LEARNER": "ben"})
    line1a, line2a = _text(first.cells[0]).splitlines()
    line1b, line2b = _text(second.cells[0]).splitlines()
    assert line1a == f"amy|{tmp_path / 'a'}|{tmp_path / 'a'}"
    assert line1b == f"ben|{tmp_path / 'b'}|{tmp_path / 'b'}"
    assert line2a.startswith("False|") and line2b.startswith("False|")
    assert line2a != line2b  # each kernel draws its own random numbers


@pytest.mark.slow
def test_figures_show_inline_and_interrupts_reach_learner_code(server, tmp_path: Path) -> None:
    """Are figures displayed as in a cold kernel, and does a timed-out cell get interrupted?"""
    nb = _run(
        server,
        tmp_path / "c",
        [
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])",
            "import time\ntime.sleep(60)",
            "print('after')",
        ],
        {},
        timeout=3,
    )
    assert any("image/png" in o.get("data", {}) for o in nb.cells[0].outputs)
    assert any(o.get("ename") == "KeyboardInterrupt" for o in nb.cells[1].outputs)
    assert _text(nb.cells[2]) == "after\n"


def test_kernel_args_only_for_ipykernel() -> None:
    """Is only an ipykernel command taken over by the server (any other kernel starts cold)?"""
    assert warmkernel.kernel_args(["/x/python", "-m", "ipykernel_launcher", "-f", "k.json"]) == [
        "-f",
        "k.json",
    ]
    assert warmkernel.kernel_args(["/usr/bin/R", "--slave", "-f", "k.json"]) is None
