"""No answer key in a learner's own kernel: the kernel `netmarketing lab --learner ID` starts on a
learner's laptop, with the data folder the instructor handed out in ``~/netmarketing-data``.

The instructor's machine holds the course secret and the grader's cache; the laptop holds only the
package (the same one the grader uses) and the learner's tables. From a real kernel, the probe tries
the obvious and the obfuscated routes to a truth value, the seed, the secret and a classmate's tables.
The hub's kernel is probed the same way in ``test_hub_browser.py``; the grader's sandbox in
``test_autograde.py``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SCALE = 0.05

PROBE = r"""
import importlib, json, os
from pathlib import Path
found = {}
def route(name, fn):
    try:
        found[name] = repr(fn())[:2000]
    except Exception as exc:
        found[name] = "denied " + type(exc).__name__
import netmarketing.learner as learner
route("learner attributes", lambda: sorted(a for a in dir(learner) if "truth" in a.lower() or "world" in a.lower()))
route("my_world", lambda: getattr(learner, "my_" + "world")().truth)
route("hidden tests", lambda: importlib.import_module("netmarketing.grading." + "hidden"))
route("variant.json", lambda: json.loads((Path.home() / "netmarketing-data" / "variant.json").read_text()))
route("files", lambda: sorted(str(p) for p in Path.home().rglob("*") if p.is_file()))
route("secret here", lambda: importlib.import_module("netmarketing.grading.variant").course_secret(Path.cwd(), create=False))
route("grader cache", lambda: os.listdir(importlib.import_module("netmarketing.grading.variant").grader_cache(Path.cwd())))
def public_rebuild(learner_id):
    data = importlib.import_module("netmarketing.data")
    world = data.build_world(data.seed_for(learner_id), scale=SCALE)
    orders = world.tables["orders"]
    return {"realised": world.truth["conversion_rate"]["realised"], "orders": DIGEST}
route("rebuild me", lambda: public_rebuild("s001"))
route("rebuild classmate", lambda: public_rebuild("s002"))
route("my orders", lambda: len(learner.load("orders")))
print("PROBE-RESULT " + json.dumps(found, ensure_ascii=False))
"""


#: One number for a whole orders table (ids, times, amounts): equal only for the same variant.
DIGEST = "int(pd.util.hash_pandas_object(orders, index=False).sum())"


def orders_digest(orders: pd.DataFrame) -> int:
    return eval(DIGEST, {"pd": pd, "orders": orders})  # the same expression the probe runs


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    """An instructor's workspace (secret, cache) and a learner's laptop holding s001's data folder only."""
    from netmarketing.grading.cli import _learner_env
    from netmarketing.grading.variant import release_learner_data
    from netmarketing.grading.workspace import Workspace

    base = tmp_path_factory.mktemp("lab-kernel")
    home = base / "laptop-home"
    saved = {k: os.environ.get(k) for k in ("NETMARKETING_SCALE", "NETMARKETING_DATA", "HOME")}
    said = io.StringIO()
    try:
        os.environ["NETMARKETING_SCALE"] = str(
            SCALE
        )  # read by the grader's variants when the folder is built
        os.environ.pop("NETMARKETING_DATA", None)
        instructor = Workspace(base / "instructor" / "autograder", course_dir=REPO / "course")
        [(_, folder)] = list(release_learner_data(instructor, ["s001"], base / "handout"))
        shutil.copytree(folder, home / "netmarketing-data")
        os.environ["HOME"] = str(home)  # `netmarketing lab` runs on the laptop
        on_laptop = Workspace(home / "course-kit" / "autograder", course_dir=REPO / "course")
        on_laptop.root.mkdir(parents=True)
        with contextlib.redirect_stdout(said):
            env = _learner_env(on_laptop, "s001")  # no secret on the laptop: no folder is made here
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {
        "instructor": instructor,
        "home": home,
        "env": env,
        "cwd": on_laptop.root,
        "said": said.getvalue(),
    }


def run_probe(laptop) -> dict:
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if not k.startswith(("NETMARKETING_", "JUPYTERHUB_"))}
    env |= {"HOME": str(laptop["home"]), "NETMARKETING_SCALE": str(SCALE), **laptop["env"]}
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(laptop["cwd"]))
    printed: list[str] = []
    try:
        client.execute_interactive(
            "import pandas as pd\n" + PROBE.replace("SCALE", repr(SCALE)).replace("DIGEST", DIGEST),
            timeout=300,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    line = next(x for x in "".join(printed).splitlines() if x.startswith("PROBE-RESULT "))
    return json.loads(line.removeprefix("PROBE-RESULT "))


def test_a_learner_kernel_on_a_laptop_reaches_no_answer_key(laptop):
    """From the kernel of `netmarketing lab --learner s001` on a laptop: is there no truth, no seed,
    no secret, no grader cache, and does rebuilding from the public package miss the graded variants?"""
    found = run_probe(laptop)
    from netmarketing.grading.variant import Variants

    variants = Variants.of_workspace(laptop["instructor"].root, scale=SCALE)
    mine, classmate = variants.world("s001"), variants.world("s002")

    assert laptop["env"] == {"NETMARKETING_LEARNER": "s001"}  # the lab adds nothing more on a laptop
    assert "講師發給的資料" in laptop["said"] and "自學" not in laptop["said"], laptop["said"]
    assert found["my orders"] == str(len(mine.tables["orders"]))  # the kernel works on s001's own tables
    assert found["learner attributes"] == "[]"
    for route in ("my_world", "hidden tests", "secret here"):
        assert found[route].startswith("denied"), (route, found[route])
    assert found["grader cache"] in ("[]", "denied PermissionError")  # nothing cached on a laptop
    assert "seed" not in found["variant.json"] and "truth" not in found["variant.json"]
    assert str(variants.seed("s001")) not in json.dumps(found)
    assert not any(word in found["files"] for word in ("truth", "course.key", "manifest"))

    # Rebuilding "my" world or a classmate's from the public package gives other variants than the grader's.
    rebuilt_me, rebuilt_classmate = (ast.literal_eval(found[k]) for k in ("rebuild me", "rebuild classmate"))
    assert rebuilt_me["realised"] != mine.truth["conversion_rate"]["realised"]
    assert rebuilt_me["orders"] != orders_digest(mine.tables["orders"])
    assert rebuilt_classmate["orders"] != orders_digest(classmate.tables["orders"])
    pd.testing.assert_frame_equal(  # and the handed-out folder is exactly the graded variant's tables
        pd.read_parquet(laptop["home"] / "netmarketing-data" / "tables" / "orders.parquet"),
        mine.tables["orders"],
    )
