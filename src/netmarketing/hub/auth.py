"""Who may log in to a class hub: the roster's learners and the instructors, through NativeAuthenticator.

- Only roster ids and instructors may sign up or log in (``/hub/signup``, ``/hub/login``).
- ``approval`` mode: a learner's sign-up waits until an instructor approves it at ``/hub/authorize``.
- ``first-use`` mode: a roster id's first sign-up sets its password and needs no approval
  (for a supervised first lesson; an instructor can reset a password at ``/hub/change-password/<id>``).
- Instructors never sign up: ``netmarketing hub start`` gives each an initial password
  (:func:`provision_passwords`), so nobody can claim an instructor's (admin) account first.
- Five wrong passwords lock an account for five minutes; passwords have at least 8 characters and
  may not be one of the common passwords NativeAuthenticator ships.
"""

from __future__ import annotations

import csv
import os
import secrets
from pathlib import Path

from nativeauthenticator import NativeAuthenticator
from traitlets import Bool, Set, Unicode

PASSWORD_LENGTH = 14


class RosterAuthenticator(NativeAuthenticator):
    """NativeAuthenticator restricted to a roster, with or without instructor approval."""

    roster = Set(Unicode(), help="Learner ids that may sign up and log in.").tag(config=True)
    require_approval = Bool(True, help="Learners' sign-ups wait for an instructor's approval.").tag(
        config=True
    )

    def _known(self, username: str) -> bool:
        return username in self.roster or username in self.admin_users

    def check_allowed(self, username: str, authentication: dict | None = None) -> bool:
        """Let only roster learners and instructors in."""
        return self._known(username)

    def validate_username(self, username: str) -> bool:
        """Refuse sign-ups of names outside the roster (NativeAuthenticator checks the rest)."""
        return self._known(username) and super().validate_username(username)

    def get_authed_users(self) -> set[str]:
        """Return who is approved: instructors, approved learners, and (first-use) the whole roster."""
        authed = super().get_authed_users()
        return authed | set(self.roster) if not self.require_approval else authed


def provision_passwords(db_url: str, usernames: list[str], out: Path) -> dict[str, str]:
    """Give each user without a NativeAuthenticator record an approved account with a random password.

    The new passwords are appended to ``out`` (CSV ``username,password``, mode 0600) and returned;
    users who already have a password keep it.
    """
    import bcrypt
    from nativeauthenticator.orm import UserInfo
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine(db_url)
    UserInfo.__table__.create(engine, checkfirst=True)
    given = {}
    with Session(engine) as db:
        for name in usernames:
            if UserInfo.find(db, name) is not None:
                continue
            password = secrets.token_urlsafe(PASSWORD_LENGTH)[:PASSWORD_LENGTH]
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
            db.add(UserInfo(username=name, password=hashed, is_authorized=True))
            given[name] = password
        db.commit()
    engine.dispose()
    if given:
        new = not out.exists()
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(["username", "password"])
            writer.writerows(given.items())
    return given
