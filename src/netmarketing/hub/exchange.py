"""The nbgrader exchange of a class hub, with submissions that other learners cannot read.

nbgrader's own exchange (0.9) leaves every submission world-readable (files 0644, folder 0777)
and relies on the random folder name for privacy: ``inbound/`` is write-only for learners, so
they cannot list it, but a learner who learns a peer's folder name reads the peer's work.
:class:`PrivateSubmit` closes that gap: after nbgrader copies the submission, it gives the
folder and files to the learner's own group, of which the grader account is a member (and no
other learner), and takes away the other users' rights. Learners' servers use it through their
nbgrader config::

    c.ExchangeFactory.submit = "netmarketing.hub.exchange.PrivateSubmit"

and the course service collects with :class:`OwnerCheckedCollect`, which sets aside a submission
filed under another learner's name before nbgrader picks each learner's latest one.
"""

from __future__ import annotations

import os

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.submit import ExchangeSubmit

#: Submission folder: owner and graders may read, write (the grader removes it) and enter.
SUBMISSION_DIR_MODE = 0o770
#: Sub-folders and files: owner and graders read; nobody else.
SUBMISSION_SUBDIR_MODE = 0o750
SUBMISSION_FILE_MODE = 0o640


def make_private(folder: str, gid: int | None = None) -> None:
    """Give a submission ``folder`` to group ``gid`` (default: ours) and take other users' rights away.

    Files become 0640, folders 0750 and the submission folder itself 0770.
    """
    gid = os.getgid() if gid is None else gid
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            os.chown(path, -1, gid, follow_symlinks=False)
            os.chmod(path, SUBMISSION_FILE_MODE)
        for name in dirnames:
            path = os.path.join(dirpath, name)
            os.chown(path, -1, gid, follow_symlinks=False)
            os.chmod(path, SUBMISSION_SUBDIR_MODE)
    os.chown(folder, -1, gid)
    os.chmod(folder, SUBMISSION_DIR_MODE)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, then the submission is readable by its learner and the graders only."""

    def copy_files(self) -> None:
        super().copy_files()
        make_private(os.path.join(self.inbound_path, self.assignment_filename))


def quarantine_spoofed(inbound: str, quarantine: str) -> list[str]:
    """Move submissions whose folder belongs to someone other than the learner it names; return them.

    Learners may write into ``inbound/`` (that is how they submit), so a learner can create
    ``inbound/<peer>+<module>+<later timestamp>+x``; nbgrader's collect only logs a warning and
    would take it as the peer's latest submission. The grader owns ``inbound/`` and moves such
    folders aside before collecting.
    """
    import pwd

    moved = []
    for name in sorted(os.listdir(inbound)):
        path = os.path.join(inbound, name)
        try:
            owner = pwd.getpwuid(os.lstat(path).st_uid).pw_name
        except KeyError:
            owner = ""
        if name.split("+", 1)[0] != owner:
            os.makedirs(quarantine, mode=0o700, exist_ok=True)
            os.rename(path, os.path.join(quarantine, name))
            moved.append(name)
    return moved


class OwnerCheckedCollect(ExchangeCollect):
    """nbgrader's collect, after moving aside submissions filed under another learner's name."""

    def init_src(self) -> None:
        course = os.path.join(self.root, self.coursedir.course_id)
        inbound = os.path.join(course, "inbound")
        if os.path.isdir(inbound) and os.access(inbound, os.R_OK | os.W_OK):
            for name in quarantine_spoofed(inbound, os.path.join(course, "quarantine")):
                self.log.warning(
                    "已隔離冒名的繳交 (quarantined a submission filed under another name): %s", name
                )
        super().init_src()
