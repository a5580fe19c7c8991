"""The classroom's own sign-in, in a real browser: a learner signs up, waits for approval, gets in.

A throw-away hub with the roster authenticator (NativeAuthenticator) instead of the test-only
dummy one: the learner signs up with their roster id, cannot log in until the instructor, who logs
in with the initial password ``netmarketing hub start`` gave them, approves them; a name outside
the roster cannot even sign up. Root only; about a minute.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "taipei-101-marketing"


@pytest.fixture(scope="module")
def hub():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("教室需要 root 建立系統帳號 (the hub creates system users: run as root, as CI does)")
    from netmarketing.hub.testing import trial_hub

    with trial_hub(1, course=REPO / "course", release=(), authenticator="") as running:
        yield running


def sign_up(page, hub, username: str) -> str:
    page.goto(f"{hub.url}/hub/signup")
    page.fill("#username_input", username)
    page.fill("#password_input", PASSWORD)
    page.fill("#password_confirmation_input", PASSWORD)
    page.click("#signup_submit")
    return page.locator(".alert").first.inner_text()


def log_in(page, hub, username: str, password: str) -> None:
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", username)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_load_state()


def test_a_learner_signs_up_and_gets_in_only_after_the_instructors_approval(hub, page):
    """Does a roster learner's sign-up wait for the instructor, a stranger's fail, and the learner
    get in once the instructor (with the initial password) approved them?"""
    learner = hub.learners[0]
    page.goto(f"{hub.url}/hub/login")
    assert "第一次使用" in page.locator(".announcement").inner_text()

    assert "sent to the admin" in sign_up(page, hub, learner)
    assert "sent to the admin" not in sign_up(page, hub, f"{learner}x")  # not on the roster
    log_in(page, hub, learner, PASSWORD)
    assert "/hub/login" in page.url  # not approved yet: back on the login page

    given = hub.settings.state_dir / "initial-passwords.csv"
    passwords = {row["username"]: row["password"] for row in csv.DictReader(given.open(encoding="utf-8"))}
    assert set(passwords) == {hub.instructor}
    teacher = page.context.browser.new_context()
    try:
        admin = teacher.new_page()
        log_in(admin, hub, hub.instructor, passwords[hub.instructor])
        print("DEBUG0", admin.url, admin.locator("body").inner_text()[:500], passwords)
        import sqlite3

        db = sqlite3.connect(hub.settings.state_dir / "jupyterhub.sqlite")
        print(
            "DEBUGDB",
            db.execute("select username, is_authorized, length(password) from users_info").fetchall(),
        )
        admin.goto(f"{hub.url}/hub/authorize")
        print("DEBUG", admin.url, admin.locator("body").inner_text()[:1500])
        row = admin.locator("tr", has_text=learner)
        row.locator("a:text-is('Authorize')").click()
        row.locator("a:text-is('Unauthorize')").wait_for()  # the row now offers to take it back
    finally:
        teacher.close()

    page.context.clear_cookies()
    log_in(page, hub, learner, PASSWORD)
    page.wait_for_url(re.compile(r"/(hub/spawn|hub/spawn-pending|user)/"), timeout=60_000)
