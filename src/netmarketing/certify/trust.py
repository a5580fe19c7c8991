"""Trusted issuers: which signing keys `netmarketing verify` accepts as this course.

A valid signature proves only that *some* key signed; a credential is accepted
only when its issuer is **pinned**: its ``did:key`` (or the key itself, as
``publicKeyMultibase``) is listed in a trust file the verifier chose.

Where pins live, and why a forger cannot add their own:

- ``autograder/certification.yaml`` (section ``trusted_issuers``): the course's
  published pins, under version control. An edit shows in ``git diff`` and the
  history, and reaches other verifiers only through the course's repository.
- ``trusted_issuers.yaml`` inside the keys folder (``autograder/keys/`` or
  ``$NETMARKETING_KEYS_DIR``), written when the key is created
  (:func:`netmarketing.certify.badges.load_or_create_issuer_key`). It sits beside
  the private key in a 0700 folder: whoever can write it can already read the
  key and sign, so trusting it gives an attacker nothing new. This is what makes
  a fresh clone's own credentials verifiable on the machine that made them.
- a file or keys folder the verifier names (``--trust``), or a DID on the
  command line (``--issuer``); these replace the defaults.

Never trusted: anything that travels with a credential or a bundle (a pin file
next to it, the issuer's own profile), since whoever hands over a credential
could hand over a pin too.

File format (the same section in both files)::

    trusted_issuers:
      - id: did:key:z6Mk...               # or  publicKeyMultibase: z6Mk...
        name: 網路行銷企劃主管職能課程
        pinned: 2025-03-01                # optional, for people reading the file
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from netmarketing.cli import UserError

PIN_FILE = "trusted_issuers.yaml"
_DID_KEY_RE = re.compile(r"^did:key:z[1-9A-HJ-NP-Za-km-z]+$")
_MULTIBASE_RE = re.compile(r"^z[1-9A-HJ-NP-Za-km-z]+$")
_ENTRY_KEYS = {"id", "publicKeyMultibase", "name", "pinned", "note"}


class TrustError(UserError):
    """A trust file is missing or malformed."""


@dataclass(frozen=True)
class TrustedIssuer:
    """One pinned issuer: its ``did:key`` and where the pin was found."""

    did: str
    name: str = ""
    source: str = ""


@dataclass(frozen=True)
class TrustList:
    """The issuers a verifier accepts, and the places it read them from (for messages)."""

    issuers: tuple[TrustedIssuer, ...]
    sources: tuple[str, ...]

    def find(self, did: str) -> TrustedIssuer | None:
        """Return the pin of ``did``, or None when it is not trusted."""
        return next((pin for pin in self.issuers if pin.did == did), None)

    def __add__(self, other: TrustList) -> TrustList:
        return TrustList(self.issuers + other.issuers, self.sources + other.sources)


def parse_entries(entries: Any, source: str) -> tuple[TrustedIssuer, ...]:
    """Validate a ``trusted_issuers`` list; raise :class:`TrustError` naming the entry.

    >>> parse_entries([{"publicKeyMultibase": "z6MkabcDEF"}], "x.yaml")[0].did
    'did:key:z6MkabcDEF'
    """
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise TrustError(f"{source}：trusted_issuers 應為清單 (trusted_issuers must be a list of issuers)")
    pins = []
    for number, entry in enumerate(entries, start=1):
        where = f"{source}：trusted_issuers 第 {number} 項 (entry {number})"
        if isinstance(entry, str):
            entry = {"id": entry}
        if not isinstance(entry, dict):
            raise TrustError(f"{where} 應為對應表 (must be a mapping)")
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise TrustError(f"{where} 有不認得的欄位 {sorted(unknown)} (unknown keys)")
        did, key = entry.get("id"), entry.get("publicKeyMultibase")
        if (did is None) == (key is None):
            raise TrustError(
                f"{where} 需要 id 或 publicKeyMultibase 其中之一 (needs id or publicKeyMultibase)"
            )
        if key is not None:
            if not isinstance(key, str) or not _MULTIBASE_RE.match(key):
                raise TrustError(f"{where}：publicKeyMultibase 應為 z 開頭的 base58btc (must be base58btc)")
            did = f"did:key:{key}"
        if not isinstance(did, str) or not _DID_KEY_RE.match(did):
            raise TrustError(f"{where}：{did!r} 不是 did:key (is not a did:key)")
        pins.append(TrustedIssuer(did=did, name=str(entry.get("name") or ""), source=source))
    return tuple(pins)


def load_trust_file(path: Path | str) -> TrustList:
    """Read the pins of a trust file, a policy file, or a keys folder (its ``trusted_issuers.yaml``).

    Parameters
    ----------
    path : path
        A YAML file with a ``trusted_issuers`` section, or a folder holding ``trusted_issuers.yaml``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / PIN_FILE
    if not path.is_file():
        raise TrustError(f"找不到信任名單 {path} (trust file not found: {path})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrustError(f"無法讀取信任名單 {path} (cannot read trust file): {exc}") from None
    if not isinstance(data, dict):
        raise TrustError(f"{path}：內容應為「trusted_issuers: [...]」 (must be a mapping)")
    return TrustList(parse_entries(data.get("trusted_issuers"), str(path)), (str(path),))


def default_keys_dir() -> Path:
    """Return ``$NETMARKETING_KEYS_DIR``, or the repository's ``autograder/keys``."""
    if os.environ.get("NETMARKETING_KEYS_DIR"):
        return Path(os.environ["NETMARKETING_KEYS_DIR"])
    from netmarketing.grading.workspace import repo_root

    return repo_root() / "autograder" / "keys"


def default_trust(policy_path: Path | str | None = None) -> TrustList:
    """Return the verifier's default pins: the course policy and this machine's own keys folder."""
    from netmarketing.certify.policy import load_policy

    policy = load_policy(policy_path)
    trust = TrustList(policy.trusted_issuers, (policy.source,))
    own = default_keys_dir() / PIN_FILE
    if own.is_file():
        trust += load_trust_file(own)
    return trust


def _entry_lines(did: str, name: str) -> list[str]:
    today = datetime.now(UTC).date().isoformat()
    return [
        f"  - id: {did}\n",
        f"    name: {yaml.safe_dump(name, allow_unicode=True).splitlines()[0]}\n",
        f"    pinned: {today}\n",
    ]


def pin_issuer(trust_file: Path | str, did: str, name: str) -> bool:
    """Add ``did`` to the ``trusted_issuers`` list of a YAML file; return whether the file changed.

    The file is edited as text so that its comments stay; the edit is kept only if the
    file still parses and now pins ``did``. A missing file is created. Lists written in
    another style (not the last section, or flow style other than ``[]``) are left alone.
    """
    path = Path(trust_file)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    data = yaml.safe_load(text) if text.strip() else {}
    current = parse_entries((data or {}).get("trusted_issuers"), str(path))
    if any(pin.did == did for pin in current):
        return False
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    keys = [i for i, line in enumerate(lines) if re.match(r"^trusted_issuers\s*:", line)]
    entry = _entry_lines(did, name)
    if not keys:
        new = [*lines, "trusted_issuers:\n", *entry]
    elif re.match(r"^trusted_issuers\s*:\s*\[\s*\]\s*(#.*)?$", lines[keys[0]].rstrip("\n")):
        new = [*lines[: keys[0]], "trusted_issuers:\n", *entry, *lines[keys[0] + 1 :]]
    elif not any(re.match(r"^[^\s#]", line) for line in lines[keys[0] + 1 :]):
        new = [*lines, *entry]  # the block list is the file's last section: append to it
    else:
        return False
    candidate = "".join(new)
    try:
        pinned = parse_entries((yaml.safe_load(candidate) or {}).get("trusted_issuers"), str(path))
    except (yaml.YAMLError, TrustError):
        return False
    if not any(pin.did == did for pin in pinned):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(candidate, encoding="utf-8")
    os.replace(tmp, path)
    return True
