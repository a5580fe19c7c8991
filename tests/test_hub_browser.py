"""A whole class on the hub, in a real browser: two learners, one instructor, module 00 end to end.

One throw-away hub (test-only accounts ``nmt-<tag>-...``, removed at the end) with two learners:
each logs in, fetches module 00 from the assignment list, runs it, answers (A right, B wrong)
and submits; the instructor logs in, collects in formgrader, grades with ``netmarketing grade``
in the course service's terminal and generates and releases the feedback in formgrader;
learner A fetches and reads the feedback. From learner A's kernel, the test then tries to reach
what A must not: B's home, B's submission, the instructor's course folder, the grader's caches,
the course secret and any truth of A's variant.

Root only (the hub creates system users); CI runs as root. About three minutes.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from netmarketing.hub.settings import parse_size

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MODULE = "00_orientation"
NOTEBOOK = "o1_getting_started"


def zh(domain: str, text: str) -> str:
    """Return the label the installed zh-TW language pack shows for ``text`` (``text`` when untranslated)."""
    import jupyterlab_language_pack_zh_TW as pack

    folder = Path(pack.__file__).parent / "locale" / "zh_TW" / "LC_MESSAGES"
    catalog = json.loads((folder / f"{domain}.json").read_text(encoding="utf-8"))
    return (catalog.get(text) or [text])[0]


NBGRADER_MENU = f".lm-MenuBar-itemLabel:text-is('{zh('nbgrader', 'Nbgrader')}')"
ASSIGNMENTS_TAB = f".lm-TabBar-tab:has-text('{zh('nbgrader', 'Assignments')}')"
KERNEL_IDLE = f".jp-StatusBar-TextItem:has-text('{zh('jupyterlab', 'Idle')}')"
#: Learner A answers both exercises of o1 correctly; learner B hands in a wrong order count.
ANSWERS = {
    "right": ["n_orders = len(orders)", 'top_platform = orders["platform"].value_counts().index[0]'],
    "wrong": ["n_orders = 0", 'top_platform = orders["platform"].value_counts().index[0]'],
}


@pytest.fixture(scope="module")
def hub():
    """Yield a running throw-away hub with two learners and module 00 released."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("教室需要 root 建立系統帳號 (the hub creates system users: run as root, as CI does)")
    from netmarketing.hub.testing import trial_hub

    with trial_hub(2, course=REPO / "course", extra_env={"NETMARKETING_SCALE": "0.3"}) as running:
        yield running


# -- what a learner does ----------------------------------------------------------------------------
def log_in(page, hub, user: str, next_path: str = "") -> None:
    page.goto(f"{hub.url}/hub/login" + (f"?next={quote(next_path)}" if next_path else ""))
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")


def open_assignment_list(page) -> None:
    page.click(NBGRADER_MENU)
    page.click(f".lm-Menu-itemLabel:text-is('{zh('nbgrader', 'Assignment List')}')")
    page.wait_for_selector("#released_assignments_list_loading", state="hidden")


def wait_until_run(page) -> None:
    """Wait until every cell that was queued has run (no ``[*]`` prompt left, at least one number)."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')].map(e => e.textContent);
            return prompts.some(t => /\\d/.test(t)) && !prompts.some(t => t.includes('*'));
        }""",
        timeout=240_000,
    )


def do_module_00(page, hub, user: str, answers: list[str]) -> dict:
    """Log in, fetch module 00, answer, restart and run all, save, submit; return what the page showed."""
    log_in(page, hub, user)
    page.wait_for_selector(NBGRADER_MENU, timeout=180_000)  # the server is spawned on first login
    launcher = page.locator(".lm-TabBar-tab", has_text="啟動").or_(
        page.locator(".lm-TabBar-tab", has_text="Launcher")
    )
    seen = {"launcher_tab": launcher.first.inner_text().strip()}
    page.click(NBGRADER_MENU)
    seen["nbgrader_menu"] = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    open_assignment_list(page)
    released = page.locator("#released_assignments_list .list_item", has_text=MODULE)
    released.locator(f"button:text-is('{zh('nbgrader', 'Fetch')}')").click()
    page.wait_for_selector(f"#fetched_assignments_list .list_item:has-text('{MODULE}')")
    page.click(f"#fetched_assignments_list a:has-text('{MODULE}')")
    page.click(f"#fetched_assignments_list a:has-text('{NOTEBOOK}')")
    page.wait_for_selector(KERNEL_IDLE, timeout=120_000)
    for text in answers:
        cell = page.locator(".jp-CodeCell", has_text="raise NotImplementedError()").first
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(text)
    page.click(".jp-NotebookPanel-toolbar [data-command='notebook:restart-run-all']")
    page.click(".jp-Dialog-button.jp-mod-accept")
    wait_until_run(page)
    # Self-check marks (❌) go to stderr too; an exception shows its type (NameError, ...) or a traceback.
    stderr = page.locator(".jp-Notebook [data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    seen["errors"] = [text for text in stderr if "Error" in text or "Traceback" in text]
    seen["outputs"] = "\n".join(page.locator(".jp-Notebook .jp-OutputArea-output").all_inner_texts())
    page.keyboard.press("Control+s")
    page.wait_for_selector(".lm-TabBar-tab.jp-mod-dirty", state="detached")
    page.click(ASSIGNMENTS_TAB)
    page.click(f"#fetched_assignments_list button:text-is('{zh('nbgrader', 'Submit')}')")
    page.wait_for_selector(f"#submitted_assignments_list .list_item:has-text('{MODULE}')", timeout=60_000)
    return seen


# -- what the instructor does -------------------------------------------------------------------------
def formgrader_action(page, hub, column: str) -> str:
    """Press the button of ``column`` for module 00 in formgrader's Manage Assignments; return the message."""
    page.goto(f"{hub.url}/services/{hub.settings.course_id}/formgrader/manage_assignments")
    page.locator("tr", has_text=MODULE).locator(f"td.{column} a").click()
    page.wait_for_selector("#success-modal, #error-modal", timeout=180_000)
    return page.locator(".modal-body").first.inner_text()


def collect_grade_and_release_feedback(page, hub) -> dict[str, str]:
    """As the instructor: collect in formgrader, grade in the course service's terminal, then
    generate and release the feedback in formgrader."""
    course = hub.settings.course_id
    log_in(page, hub, hub.instructor, f"/services/{course}/formgrader/manage_assignments")
    done = {"collect": formgrader_action(page, hub, "collect")}
    page.goto(f"{hub.url}/services/{course}/lab?reset")
    page.locator(f".jp-LauncherCard[title='{zh('jupyterlab', 'Start a new terminal session')}']").click()
    page.locator(".jp-Terminal").wait_for()
    page.wait_for_timeout(1500)  # the shell prints its prompt
    page.locator(".jp-Terminal").click()
    marker = hub.settings.course_root / ".hub-test-exit"
    page.keyboard.type(f"netmarketing grade {MODULE} -q; echo $? > {marker}\n")
    deadline = time.monotonic() + 300
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(1)
    done["grade"] = marker.read_text().strip() if marker.exists() else "timeout"
    done["generate feedback"] = formgrader_action(page, hub, "generate-feedback")
    done["release feedback"] = formgrader_action(page, hub, "release-feedback")
    return done


def read_feedback(page) -> str:
    """As learner A (already logged in): fetch the feedback and open it; return the page's text."""
    page.click(ASSIGNMENTS_TAB)
    page.click("#refresh_assignments_list")
    page.locator(
        f"#submitted_assignments_list button:text-is('{zh('nbgrader', 'Fetch Feedback')}')"
    ).first.click()
    page.locator(
        f"#submitted_assignments_list a:has-text('{zh('nbgrader', '(view feedback)')}')"
    ).first.click()
    page.locator(".jp-DirListing-item", has_text=NOTEBOOK).dblclick()
    frame = page.frame_locator(".jp-HTMLViewer iframe")
    frame.locator("h1").first.wait_for(timeout=60_000)
    return frame.locator("body").inner_text()


# -- what learner A's kernel can reach ----------------------------------------------------------------
PROBE = r"""
import json, os
def reach(path):
    try:
        if os.path.isdir(path):
            for name in os.listdir(path)[:50]:
                inner = os.path.join(path, name)
                if os.path.isfile(inner):
                    open(inner, "rb").read(1)
                    return "read"
            return "listed"
        open(path, "rb").read(1)
        return "read"
    except OSError as exc:
        return type(exc).__name__
paths, autograder = PATHS, AUTOGRADER
result = {"reach": {name: reach(path) for name, path in paths.items()}, "truth": {}}
try:
    from netmarketing import learner
    world = learner.my_world()
    result["truth"]["my_world"] = "truth" if getattr(world, "truth", None) else "no truth"
except Exception as exc:
    result["truth"]["my_world"] = type(exc).__name__
try:
    import netmarketing.grading.hidden
    result["truth"]["grading.hidden"] = "importable"
except ImportError as exc:
    result["truth"]["grading.hidden"] = type(exc).__name__
try:
    from netmarketing.grading.variant import course_secret
    course_secret(autograder, create=False)
    result["truth"]["course_secret"] = "read"
except Exception as exc:
    result["truth"]["course_secret"] = type(exc).__name__
try:
    from netmarketing.learner.data import variant
    result["variant"] = variant()
except Exception as exc:
    result["variant"] = {"error": repr(exc)}
result["env"] = {k: v for k, v in os.environ.items() if k.startswith("NETMARKETING")}
print("PROBE" + json.dumps(result))
"""


def probe_paths(hub) -> tuple[dict[str, str], dict[str, str]]:
    """Return what learner A must not reach, and what A must reach (controls), by name."""
    settings = hub.settings
    a, b = hub.learners
    autograder = settings.autograder_dir
    inbound = settings.exchange_dir / settings.course_id / "inbound"
    peer_submission = next(p for p in inbound.iterdir() if p.name.startswith(f"{b}+"))
    forbidden = {
        "peer home": settings.home_of(b),
        "peer submission (exchange)": peer_submission / f"{NOTEBOOK}.ipynb",
        "exchange inbound listing": inbound,
        "peer submission (collected)": autograder / "submitted" / b / MODULE / f"{NOTEBOOK}.ipynb",
        "peer data folder": settings.learner_data(b) / "variant.json",
        "instructor course folder": settings.course_root,
        "course source notebooks": settings.course_root / "course" / MODULE / f"{NOTEBOOK}.ipynb",
        "gradebook": autograder / "gradebook.db",
        "course secret": autograder / "secret" / "course.key",
        "grader cache": autograder / "cache",
        "checkout course": REPO / "course" / MODULE / f"{NOTEBOOK}.ipynb",
        "checkout autograder": REPO / "autograder",
        "hub state": settings.state_dir,
    }
    allowed = {
        "own data": settings.learner_data(a) / "variant.json",
        "own home": settings.home_of(a) / MODULE / f"{NOTEBOOK}.ipynb",
        "released module": settings.exchange_dir / settings.course_id / "outbound" / MODULE,
    }
    return {k: str(v) for k, v in forbidden.items()}, {k: str(v) for k, v in allowed.items()}


def run_probe(page, hub, paths: dict[str, str]) -> dict:
    """Open a new notebook in learner A's server, run :data:`PROBE` in its kernel, return the result."""
    code = PROBE.replace("PATHS", repr(paths)).replace("AUTOGRADER", repr(str(hub.settings.autograder_dir)))
    line = f"exec(__import__('base64').b64decode({base64.b64encode(code.encode()).decode()!r}).decode())"
    page.click(".jp-FileBrowser-toolbar [data-command='launcher:create']")
    notebook_card = f".jp-LauncherCard[data-category='{zh('jupyterlab', 'Notebook')}']"
    page.locator(notebook_card).locator("visible=true").first.click()
    page.wait_for_selector(KERNEL_IDLE, timeout=120_000)
    page.locator(".jp-NotebookPanel").locator("visible=true").locator(
        ".jp-CodeCell .cm-content"
    ).first.click()
    page.keyboard.insert_text(line)
    page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-OutputArea-output", has_text="PROBE").first
    output.wait_for(timeout=120_000)
    return json.loads(output.inner_text().strip().removeprefix("PROBE"))


def server_memory_limit(hub, user: str) -> int | None:
    """Return the memory limit of ``user``'s server cgroup (0 when missing); None without memory cgroups."""
    from netmarketing.hub.launch import cgroup_folders

    folders = cgroup_folders(f"netmarketing-hub/{hub.settings.course_id}/{user}")
    for key, name in (("memory", "memory.limit_in_bytes"), ("unified", "memory.max")):
        if key in folders:
            path = folders[key] / name
            return int(path.read_text().strip()) if path.is_file() else 0
    return None


# -- the test -------------------------------------------------------------------------------------
def test_a_class_runs_module_00_end_to_end_in_a_real_browser(hub, page, browser):
    """Can two learners fetch, run and submit module 00, the instructor collect, grade and release
    feedback, and learner A read it — while A's kernel reaches nothing of B, the course or the truth?"""
    from conftest import keep_page

    from netmarketing.grading.workspace import Workspace

    a, b = hub.learners
    seen_a = do_module_00(page, hub, a, ANSWERS["right"])
    others = {}
    try:
        others["b"] = browser.new_context(locale="zh-TW", viewport={"width": 1400, "height": 900})
        page_b = others["b"].new_page()
        page_b.set_default_timeout(60_000)
        seen_b = do_module_00(page_b, hub, b, ANSWERS["wrong"])
        others["t"] = browser.new_context(locale="zh-TW", viewport={"width": 1400, "height": 900})
        page_t = others["t"].new_page()
        page_t.set_default_timeout(60_000)
        instructor = collect_grade_and_release_feedback(page_t, hub)
    except Exception:
        for name, context in others.items():
            keep_page(context.pages[0], f"test_hub_browser_{name}")
        raise
    finally:
        for context in others.values():
            context.close()

    # Learners see JupyterLab in zh-TW, with the assignment list and without the instructor's tools.
    assert seen_a["launcher_tab"] == "啟動"
    assert zh("nbgrader", "Assignment List") in seen_a["nbgrader_menu"]
    instructor_tools = {zh("nbgrader", label) for label in ("Formgrader", "Create assignment", "Course List")}
    assert not instructor_tools & set(seen_a["nbgrader_menu"])
    # Both ran the notebook without errors; the self-check told each how they did.
    assert seen_a["errors"] == [] and seen_b["errors"] == [], (seen_a["errors"], seen_b["errors"])
    assert "✅" in seen_a["outputs"] and "❌" in seen_b["outputs"]

    # The instructor collected both submissions, graded them with `netmarketing grade` and released feedback.
    assert "Successfully collected" in instructor["collect"]
    assert instructor["grade"] == "0"
    assert "Successfully generated feedback" in instructor["generate feedback"]
    assert "Successfully released feedback" in instructor["release feedback"]
    ws = Workspace(hub.settings.autograder_dir, course_id=hub.settings.course_id)
    with ws.gradebook() as gb:
        scores = {s: gb.find_grade("practice__n_orders", NOTEBOOK, MODULE, s).score for s in (a, b)}
    assert scores == {a: 1.0, b: 0.0}

    # Learner A reads their own feedback in the browser.
    feedback = read_feedback(page)
    assert "回饋" in feedback and a in feedback and MODULE in feedback and b not in feedback
    assert "2 / 2" in feedback  # both of A's answers in o1 were right

    # From A's kernel: nothing of B, of the course or of the grader is readable; A's own things are.
    forbidden, allowed = probe_paths(hub)
    result = run_probe(page, hub, {**forbidden, **allowed})
    reached = {
        name: result["reach"][name] for name in forbidden if result["reach"][name] in ("read", "listed")
    }
    assert not reached, f"學員 A 的核心讀得到 (A's kernel reached): {reached}"
    assert all(result["reach"][name] in ("read", "listed") for name in allowed), result["reach"]
    # A's server got A's own data folder, and its memory limit where the machine has cgroups.
    assert result["env"]["NETMARKETING_DATA"] == str(hub.settings.learner_data(a))
    assert result["variant"].get("learner") == a
    # Learners' servers have no formgrader (nor its API).
    assert page.goto(f"{hub.url}/user/{a}/formgrader").status == 404
    limit = server_memory_limit(hub, a)
    if limit is not None:  # this machine offers memory cgroups: the limit must be in force
        assert limit == parse_size(hub.settings.mem_limit)
    hub.probe = result  # read by the truth test below


def test_learner_kernel_holds_no_truth(hub):
    """Does learner A's kernel fail to reach any truth: no world truth, no hidden tests, no course secret?"""
    result = getattr(hub, "probe", None)
    if result is None:
        pytest.skip("the browser flow did not reach the probe (see the test above)")
    truth = result["truth"]
    assert truth["my_world"] != "truth", truth
    assert truth["grading.hidden"] != "importable", truth
    assert truth["course_secret"] != "read", truth
