"""Variants on the grader's side: the course secret, each learner's seed, world, and data folder.

A learner's variant is seeded with an HMAC of their id under the course secret, so only
whoever holds the secret can rebuild a variant and its truth. The secret is created on
first use in the grading workspace (``<autograder>/secret/course.key``, mode 0600,
git-ignored) and never leaves the grader: kernels get a folder of tables only
(:mod:`netmarketing.data.release`), and the worlds with their truth stay in the
grader's cache (mode 0700).

Without a workspace secret there are no graded variants: learners on their own machine
study the public self-study variant (:mod:`netmarketing.learner.data`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from netmarketing.data import World, load_world

SECRET_FILE = Path("secret") / "course.key"
ENV_CACHE = "NETMARKETING_GRADER_CACHE"


def course_secret(root: Path, *, create: bool = True) -> bytes:
    """Return the course secret of the workspace at ``root``, creating it (0600) on first use.

    Raises
    ------
    FileNotFoundError
        When there is no secret and ``create`` is False.
    PermissionError
        When the secret file is readable by other users (it must be 0600).
    """
    path = Path(root) / SECRET_FILE
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"找不到課程金鑰 {path} (no course secret)")
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, stat.S_IRWXU)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(
            f"課程金鑰 {path} 其他使用者可讀取；請執行 chmod 600 (the course secret must be mode 0600)"
        )
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def _mac(secret: bytes, purpose: str, learner_id: str) -> bytes:
    return hmac.new(secret, f"{purpose}\0{learner_id}".encode(), hashlib.sha256).digest()


def variant_seed(secret: bytes, learner_id: str) -> int:
    """Return the 64-bit world seed of ``learner_id`` under ``secret``."""
    return int.from_bytes(_mac(secret, "seed", learner_id)[:8], "big")


def variant_label(secret: bytes, learner_id: str) -> str:
    """Return the public name of a learner's variant (shown in notebooks; reveals nothing of the seed)."""
    return "v-" + _mac(secret, "label", learner_id).hex()[:10]


def grader_cache(root: Path) -> Path:
    """Return the grader's cache folder (``$NETMARKETING_GRADER_CACHE`` or ``<autograder>/cache``), mode 0700."""
    configured = os.environ.get(ENV_CACHE)
    cache = Path(configured) if configured else Path(root) / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    os.chmod(cache, stat.S_IRWXU)
    return cache


class Variants:
    """The learners' variants of one workspace: seeds, labels, worlds with truth, data folders."""

    def __init__(self, secret: bytes, cache: Path, scale: float) -> None:
        self.secret, self.cache, self.scale = secret, Path(cache), float(scale)

    @classmethod
    def of_workspace(cls, root: Path, *, scale: float | None = None) -> Variants:
        """Return the variants of the workspace at ``root`` (the secret is created on first use)."""
        from netmarketing.learner.data import learner_scale

        return cls(course_secret(root), grader_cache(root), learner_scale() if scale is None else scale)

    def seed(self, learner_id: str) -> int:
        return variant_seed(self.secret, learner_id)

    def label(self, learner_id: str) -> str:
        return variant_label(self.secret, learner_id)

    def world(self, learner_id: str) -> World:
        """Return the learner's world with its truth (grader only), from the cache or built."""
        return load_world(self.seed(learner_id), scale=self.scale, cache_dir=self.cache / "worlds")

    def data_folder(self, learner_id: str) -> Path:
        """Return a folder with the learner's tables only (for their kernel), writing it on first use."""
        from netmarketing.data import DATA_VERSION
        from netmarketing.data.release import VARIANT_FILE

        # Named by data version and scale too: a new generator or scale must never reuse old tables.
        folder = self.cache / "learner-data" / f"{self.label(learner_id)}-v{DATA_VERSION}-x{self.scale:g}"
        if not (folder / VARIANT_FILE).is_file():
            self.release(learner_id, folder, replace=False)  # a kernel may be reading it already
        return folder

    def release(self, learner_id: str, folder: Path, *, replace: bool = True) -> Path:
        """Write the learner's tables (never the truth) into ``folder`` and return it."""
        from netmarketing.data.release import write_learner_data

        world = self.world(learner_id)
        write_learner_data(
            world.tables,
            folder,
            learner=learner_id,
            variant=self.label(learner_id),
            scale=self.scale,
            replace=replace,
        )
        # Kernels run as other users: the tables must be readable, the folder above them is not listable.
        for path in [folder, *folder.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        return folder


def release_learner_data(ws: Any, learners: Iterable[str], out: Path) -> Iterator[tuple[str, Path]]:
    """Write ``out/<learner>/`` (tables only) for each learner; yield ``(learner, folder)`` as each is done.

    A hub gives each learner's server ``NETMARKETING_DATA=<out>/<learner>`` (readable by that
    learner only); an instructor can also zip a folder and hand it to a learner who works on
    their own machine (it goes to ``~/netmarketing-data``).
    """
    import re

    variants = ws.variants()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for learner in dict.fromkeys(learners):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}", learner):
            raise ValueError(
                f"學員代號 {learner!r} 含有不允許的字元 (learner id not usable as a folder name)"
            )
        yield learner, variants.release(learner, out / learner)
