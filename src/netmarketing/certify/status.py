"""Revocation: a W3C Bitstring Status List the course publishes as one static file.

Follows W3C "Bitstring Status List v1.0" (Recommendation, 15 May 2025): every
credential carries a ``credentialStatus`` of type ``BitstringStatusListEntry``
with purpose ``revocation``, a random index into the list and the list's URL
(``statusListCredential``). The list is a signed ``BitstringStatusListCredential``
whose ``encodedList`` is the multibase (``u``) base64url, unpadded, of the GZIP
of a bitstring of 131,072 bits; bit 0 is the left-most bit of the first byte, and
a set bit means revoked.

Two files, kept apart on purpose:

- ``<keys>/issued.csv`` (private, beside the issuer key): every credential issued
  with its index, learner, code, and when and why it was revoked. The list is
  always rebuilt from it, so a lost or stale list file loses nothing.
- ``<out>/status/revocation-list.json`` (public): the signed list, rewritten by
  ``netmarketing certify`` and ``netmarketing revoke``. Host it at the URL the
  credentials name (``issuer.status_list`` or ``issuer.url`` in the policy).

Verification reads the list from a local file or folder; it is fetched from the
network only when the verifier passes a URL themselves (:func:`load_status_list`).
"""

from __future__ import annotations

import base64
import csv
import gzip
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netmarketing.certify import badges
from netmarketing.certify.badges import VerificationError
from netmarketing.certify.framework import FRAMEWORK_CODE
from netmarketing.certify.trust import TrustList
from netmarketing.cli import UserError

LIST_FILE = "revocation-list.json"
REGISTER_FILE = "issued.csv"
LIST_BITS = 131_072  # the specification's minimum list length (16 KB)
PURPOSE = "revocation"
REGISTER_COLUMNS = [
    "credential_id",
    "status_index",
    "status_list",
    "learner",
    "code",
    "issued_at",
    "revoked_at",
    "reason",
]
_SEARCH_DEPTH = 4  # folders above a credential searched for status/revocation-list.json


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- the bitstring ----------------------------------------------------------------------------


def encode_bits(indexes: Iterable[int], size: int = LIST_BITS) -> str:
    """Return the ``encodedList`` of a bitstring with the given indexes set.

    >>> decode_bits(encode_bits([0, 9]))[:2]
    b'\\x80@'
    """
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: the same list gives the same file
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_bits(encoded: str) -> bytes:
    """Return the bitstring of an ``encodedList``; raise :class:`VerificationError` when malformed."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise VerificationError(
            "encodedList 應為 u 開頭的 base64url (encodedList must be multibase base64url)"
        )
    try:
        raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        return gzip.decompress(raw)
    except (ValueError, OSError, EOFError) as exc:
        raise VerificationError(f"encodedList 無法解碼 (encodedList cannot be decoded): {exc}") from None


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """Return whether bit ``index`` (0 = left-most bit of the first byte) is 1."""
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


# --- what a credential carries ----------------------------------------------------------------


def list_url(status_list: str | None, issuer_url: str | None, issuer_did: str) -> str:
    """Return the ``statusListCredential`` URL of this course's revocation list.

    The policy's ``issuer.status_list`` when set, else ``<issuer.url>/status/revocation-list.json``;
    without either, a ``urn:`` naming the list (verifiers then need ``--status``).
    """
    if status_list:
        return status_list
    if issuer_url:
        return f"{issuer_url.rstrip('/')}/status/{LIST_FILE}"
    return f"urn:netmarketing:{FRAMEWORK_CODE}:status:{issuer_did.removeprefix('did:key:')[-16:]}:{PURPOSE}"


def status_entry(url: str, index: int) -> dict[str, Any]:
    """Return the ``credentialStatus`` of the credential at ``index`` of the list at ``url``."""
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


# --- the private register ---------------------------------------------------------------------


@dataclass
class Register:
    """Every credential issued with its status index (``<keys>/issued.csv``).

    Examples
    --------
    >>> import tempfile
    >>> register = Register.load(tempfile.mkdtemp())
    >>> index = register.allocate("urn:uuid:1", "s001", "T1", "2025-03-01T00:00:00Z")
    >>> register.revoke("urn:uuid:1", "成績更正").reason
    '成績更正'
    """

    path: Path
    rows: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, keys_dir: Path | str) -> Register:
        """Read ``<keys_dir>/issued.csv`` (an empty register when it does not exist yet)."""
        path = Path(keys_dir) / REGISTER_FILE
        if not path.exists():
            return cls(path)
        with open(path, encoding="utf-8", newline="") as handle:
            rows = [{c: row.get(c) or "" for c in REGISTER_COLUMNS} for row in csv.DictReader(handle)]
        return cls(path, rows)

    def save(self) -> None:
        """Write the register atomically, readable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, REGISTER_COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        os.chmod(tmp, 0o600)  # learner ids and reasons: as private as the key beside it
        os.replace(tmp, self.path)

    def allocate(
        self, credential_id: str, learner: str, code: str, issued_at: str, status_list: str = ""
    ) -> int:
        """Record a new credential (and the URL of the list it names); return its random, unused index."""
        used = {int(row["status_index"]) for row in self.rows}
        if len(used) >= LIST_BITS:
            raise UserError("撤銷狀態清單已滿 (the status list is full)")
        index = secrets.randbelow(LIST_BITS)  # random: an index must not tell when or to how many
        while index in used:
            index = secrets.randbelow(LIST_BITS)
        self.rows.append(
            {
                "credential_id": credential_id,
                "status_index": str(index),
                "status_list": status_list,
                "learner": learner,
                "code": code,
                "issued_at": issued_at,
                "revoked_at": "",
                "reason": "",
            }
        )
        return index

    def find(self, credential_id: str) -> dict[str, str] | None:
        """Return the register row of a credential id, or None."""
        return next((row for row in self.rows if row["credential_id"] == credential_id), None)

    def revoke(self, credential_id: str, reason: str, when: str | None = None) -> Revocation:
        """Mark a credential revoked (once: a revocation is final); raise UserError when unknown."""
        row = self.find(credential_id)
        if row is None:
            raise UserError(
                f"發證紀錄 {self.path} 中沒有證書 {credential_id} "
                f"(no credential {credential_id} in the register {self.path})"
            )
        if not reason.strip():
            raise UserError("請以 --reason 說明撤銷原因 (give the reason with --reason)")
        already = bool(row["revoked_at"])
        if not already:
            row["revoked_at"], row["reason"] = when or _now(), reason.strip()
        return Revocation(
            credential_id,
            row["learner"],
            row["code"],
            row["revoked_at"],
            row["reason"],
            already,
            row["status_list"],
        )

    def revoked_indexes(self) -> list[int]:
        """Return the status indexes of every revoked credential (the bits the list sets)."""
        return [int(row["status_index"]) for row in self.rows if row["revoked_at"]]

    def active(self) -> list[dict[str, str]]:
        """Return the rows of credentials not revoked."""
        return [row for row in self.rows if not row["revoked_at"]]


@dataclass(frozen=True)
class Revocation:
    """What :meth:`Register.revoke` did; ``already`` when it had been revoked before."""

    credential_id: str
    learner: str
    code: str
    revoked_at: str
    reason: str
    already: bool
    status_list: str = ""


def status_list_credential(register: Register, key: badges.IssuerKey, url: str) -> dict[str, Any]:
    """Return the signed BitstringStatusListCredential of every revocation in the register."""
    now = _now()
    document = {
        "@context": [badges.VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": key.did,
        "validFrom": now,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode_bits(register.revoked_indexes()),
        },
    }
    return badges.sign_credential(document, key, created=now)


def write_status_list(register: Register, key: badges.IssuerKey, url: str, out_dir: Path | str) -> Path:
    """Write the signed list to ``<out_dir>/status/revocation-list.json`` and return its path."""
    path = Path(out_dir) / "status" / LIST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(badges.dump_credential(status_list_credential(register, key, url)), encoding="utf-8")
    return path


# --- checking a credential ---------------------------------------------------------------------


def _fetch(url: str) -> dict[str, Any]:
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # only ever a URL the user typed
            return json.loads(response.read(4_000_000).decode("utf-8"))
    except Exception as exc:
        raise VerificationError(f"無法下載撤銷狀態清單 {url} (cannot fetch the status list): {exc}") from None


def find_local_list(start: Path) -> Path | None:
    """Return ``status/revocation-list.json`` in ``start`` or one of the folders above it."""
    for folder in [start, *start.parents][:_SEARCH_DEPTH]:
        candidate = folder / "status" / LIST_FILE
        if candidate.is_file():
            return candidate
    return None


def load_status_list(source: str | Path | None, *, near: Path | None = None) -> tuple[dict[str, Any], str]:
    """Return (status list credential, where it came from).

    Parameters
    ----------
    source : str or path, optional
        A list file, a folder holding ``revocation-list.json`` (or ``status/revocation-list.json``),
        or an ``https://`` URL, which is the only case that reaches the network.
    near : path, optional
        Without ``source``: the folder of the credential; the list the course published beside
        its credentials (``<out>/status/``) is searched for there and in the folders above.
    """
    if source is not None and str(source).startswith(("https://", "http://")):
        return _fetch(str(source)), str(source)
    path: Path | None
    if source is None:
        path = find_local_list(near) if near is not None else None
        if path is None:
            raise VerificationError(
                "找不到撤銷狀態清單，無法確認證書是否已被撤銷；請以 --status 指定清單檔、資料夾或網址 "
                "(status list not found, so revocation cannot be checked: give --status FILE, DIR or URL)"
            )
    else:
        path = Path(source)
        if path.is_dir():
            path = next((p for p in (path / LIST_FILE, path / "status" / LIST_FILE) if p.is_file()), None)
        if path is None or not path.is_file():
            raise VerificationError(f"找不到撤銷狀態清單 {source} (status list not found: {source})")
    document, _ = badges.read_json(path, "撤銷狀態清單")
    return document, str(path)


@dataclass(frozen=True)
class StatusResult:
    """The outcome of a revocation check that passed."""

    checked: bool
    source: str = ""
    list_date: str = ""


def check_status(
    credential: dict[str, Any],
    trusted: TrustList,
    *,
    source: str | Path | None = None,
    near: Path | None = None,
) -> StatusResult:
    """Raise :class:`VerificationError` when a credential is revoked or its status cannot be checked.

    The list must be a signed ``BitstringStatusListCredential`` of a trusted issuer, the one
    the credential names, with the revocation purpose and at least 131,072 entries.
    A credential without ``credentialStatus`` has nothing to check (``checked`` is False).
    """
    entry = credential.get("credentialStatus")
    if entry is None:
        return StatusResult(checked=False)
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise VerificationError(
            "credentialStatus 不是 BitstringStatusListEntry (credentialStatus is not a BitstringStatusListEntry)"
        )
    if entry.get("statusPurpose") != PURPOSE:
        raise VerificationError(f"credentialStatus 的用途不是 {PURPOSE} (status purpose is not {PURPOSE})")
    index_text = str(entry.get("statusListIndex", ""))
    if not index_text.isdigit():
        raise VerificationError(
            "statusListIndex 應為非負整數字串 (statusListIndex must be a base-10 integer)"
        )
    document, where = load_status_list(source, near=near)
    issuer = badges.verify_proof(document)
    if trusted.find(issuer) is None:
        raise VerificationError("撤銷狀態清單：" + badges.untrusted_message(issuer, trusted.sources))
    if "BitstringStatusListCredential" not in (document.get("type") or []):
        raise VerificationError(f"{where} 不是 BitstringStatusListCredential (not a status list credential)")
    if document.get("id") != entry.get("statusListCredential"):
        raise VerificationError(
            f"{where} 不是證書所指的撤銷狀態清單（{entry.get('statusListCredential')}）"
            "(this is not the status list the credential names)"
        )
    subject = document.get("credentialSubject") or {}
    purposes = subject.get("statusPurpose")
    if PURPOSE not in ([purposes] if isinstance(purposes, str) else purposes or []):
        raise VerificationError(f"{where} 的用途不含 {PURPOSE} (the list has no {PURPOSE} purpose)")
    valid_until = document.get("validUntil")
    if valid_until and str(valid_until) < _now():
        raise VerificationError(f"撤銷狀態清單已於 {valid_until} 失效 (the status list expired)")
    bits = decode_bits(subject.get("encodedList"))
    if len(bits) * 8 < LIST_BITS:
        raise VerificationError(
            f"撤銷狀態清單太短（{len(bits) * 8} 位元，至少 {LIST_BITS}）(status list shorter than {LIST_BITS} bits)"
        )
    index = int(index_text)
    if index >= len(bits) * 8:
        raise VerificationError("statusListIndex 超出清單範圍 (statusListIndex is outside the list)")
    if bit_is_set(bits, index):
        raise VerificationError(
            f"證書已被撤銷（依 {where}，清單日期 {document.get('validFrom', '?')}）"
            f"(the credential has been revoked, according to the status list of {document.get('validFrom', '?')})"
        )
    return StatusResult(checked=True, source=where, list_date=str(document.get("validFrom", "")))
