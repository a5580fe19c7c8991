"""The evidence bundle: one folder (or zip) per learner that a certifier can archive.

``netmarketing certify`` writes ``<out>/bundles/<learner>/`` (``--zip``: ``<learner>.zip``)::

    README.md                   what is here (zh-TW, English)
    decision.json               the decision, each duty's status, the reasons, the policy's version and hash
    policy/certification.yaml   the policy in force (its SHA-256 is in decision.json and the manifest)
    modules.csv                 per module: submitted when, deadline and late flag, grading status,
                                whether graded notebooks, results and answers were found (and if not, why)
    items.csv                   every counting item: answer and score, grader's message, simulated flag
    manual_grades.csv           manual grades: rubric, criterion levels, score, grader, time, simulated
    notebooks/<module>/*.ipynb  the graded notebooks (``<autograder>/autograded/<learner>/<module>/``)
    answers/<module>/...        the collected answers, when the grader kept them
    reports/learner.html        the learner's report
    credentials/<code>.json     the credentials issued
    manifest.json               SHA-256 and size of every file above, signed with the course key

Two links make a changed file show: the signed manifest holds every file's hash, and
every credential's evidence holds the *evidence digest* (the SHA-256 of the sorted
list of evidence files and their hashes), so a changed file cannot be hidden by
rewriting the manifest either. :func:`verify_bundle` checks both.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import rfc8785

from netmarketing.certify import badges
from netmarketing.certify.badges import VerificationError
from netmarketing.certify.framework import FRAMEWORK_CODE
from netmarketing.certify.trust import TrustList

MANIFEST = "manifest.json"
BUNDLE_TYPE = "NetmarketingEvidenceBundle"
EVIDENCE, CREDENTIAL = "evidence", "credential"

README = """# 證據包 (evidence bundle)：{learner}

{framework} 職能級別 4 認證的佐證資料，產生於 {created}，判定：{decision}。

| 檔案 | 內容 |
|---|---|
| decision.json | 判定、各主要職責狀態、判定理由、認證政策版次與 SHA-256 |
| policy/certification.yaml | 判定時適用的認證政策原文 |
| modules.csv | 各模組繳交時間、截止時間與是否逾期、評分狀態、是否找到已評分筆記本／評分結果／作答資料 |
| items.csv | 每個評分項目的分數、評分訊息、作答資料檔、是否為模擬評分 |
| manual_grades.csv | 人工評分：評分規準、各準則等級、分數、評分者、評分時間、是否模擬 |
| notebooks/ | 已評分的筆記本 |
| answers/ | 評分時收集的作答資料（有保存時） |
| reports/learner.html | 學員職能報告 |
| credentials/ | 已核發的 Open Badges 3.0 證書 |
| manifest.json | 以上每個檔案的 SHA-256，並以課程金鑰簽章 |

驗證 (verify)：`netmarketing verify --bundle <此資料夾或 zip>`。任何檔案被改動、增加或刪除都會被指出。

Evidence for the {framework} level-4 decision of learner {learner} ({decision}), made {created}.
Every file is listed with its SHA-256 in the signed manifest.json; check with `netmarketing verify --bundle PATH`.
"""


def sha256_bytes(data: bytes) -> str:
    """Return the SHA-256 of bytes as hex."""
    return hashlib.sha256(data).hexdigest()


def evidence_digest(files: dict[str, str]) -> str:
    """Return the digest a credential holds: SHA-256 of the JCS of the sorted [path, sha256] pairs.

    >>> evidence_digest({"b.csv": "22", "a.json": "11"}) == evidence_digest({"a.json": "11", "b.csv": "22"})
    True
    """
    pairs = sorted([path, digest] for path, digest in files.items())
    return "sha256:" + sha256_bytes(rfc8785.dumps(pairs))


@dataclass
class BundleWriter:
    """Write a learner's bundle file by file, hashing as it goes.

    Examples
    --------
    >>> import tempfile  # doctest: +SKIP
    >>> writer = BundleWriter(Path(tempfile.mkdtemp()) / "s001")  # doctest: +SKIP
    >>> writer.add_text("decision.json", "{}")  # doctest: +SKIP
    >>> digest = writer.evidence_digest()  # goes into every credential  # doctest: +SKIP
    >>> writer.finish(key, {"learner": "s001"})  # doctest: +SKIP
    """

    root: Path
    files: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # path -> (sha256, bytes, role)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        shutil.rmtree(self.root, ignore_errors=True)  # an earlier run's files must not linger
        self.root.with_suffix(".zip").unlink(missing_ok=True)
        self.root.mkdir(parents=True)

    def add_bytes(self, rel: str, data: bytes, role: str = EVIDENCE) -> None:
        """Write ``data`` to ``rel`` (a POSIX path in the bundle) and remember its hash and role."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[PurePosixPath(rel).as_posix()] = (sha256_bytes(data), len(data), role)

    def add_text(self, rel: str, text: str, role: str = EVIDENCE) -> None:
        self.add_bytes(rel, text.encode("utf-8"), role)

    def add_json(self, rel: str, value: Any, role: str = EVIDENCE) -> None:
        self.add_text(rel, json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n", role)

    def add_csv(self, rel: str, frame: pd.DataFrame) -> None:
        # UTF-8 with BOM, like the other CSVs: Excel in Taiwan then shows the Chinese text.
        self.add_bytes(rel, frame.to_csv(index=False).encode("utf-8-sig"))

    def copy(self, rel: str, source: Path) -> None:
        self.add_bytes(rel, Path(source).read_bytes())

    def evidence_digest(self) -> str:
        """Return the digest of the evidence files written so far (what credentials carry)."""
        return evidence_digest({p: h for p, (h, _, role) in self.files.items() if role == EVIDENCE})

    def finish(self, key: badges.IssuerKey, fields: dict[str, Any], *, as_zip: bool = False) -> Path:
        """Write the signed manifest; return the bundle folder, or the zip that replaces it."""
        manifest = {
            "type": BUNDLE_TYPE,
            "version": 1,
            "framework": FRAMEWORK_CODE,
            "issuer": key.did,
            **fields,
            "evidenceDigest": self.evidence_digest(),
            "files": [
                {"path": path, "sha256": digest, "bytes": size, "role": role}
                for path, (digest, size, role) in sorted(self.files.items())
            ],
        }
        signed = badges.sign_credential(manifest, key)
        (self.root / MANIFEST).write_text(badges.dump_credential(signed), encoding="utf-8")
        if not as_zip:
            return self.root
        target = self.root.with_suffix(".zip")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(self.root).as_posix())
        shutil.rmtree(self.root)
        return target


# --- reading and checking a bundle -------------------------------------------------------------


def _read_bundle(path: Path) -> dict[str, bytes]:
    """Return every file of a bundle folder or zip as {posix path: bytes}."""
    if path.is_dir():
        return {
            p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
        }
    if path.is_file() and zipfile.is_zipfile(path):
        files = {}
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename)
                if info.is_dir():
                    continue
                if name.is_absolute() or ".." in name.parts:
                    raise VerificationError(f"證據包含不安全的路徑 {info.filename} (unsafe path in the zip)")
                files[name.as_posix()] = archive.read(info)
        return files
    raise VerificationError(f"找不到證據包 {path}，應為資料夾或 zip (no bundle folder or zip at {path})")


@dataclass
class BundleReport:
    """What :func:`verify_bundle` found in a bundle that passed every check."""

    learner: str
    decision: str
    issuer: str
    n_files: int
    credentials: list[str]
    status_checked: bool


def verify_bundle(
    path: Path | str,
    trusted: TrustList,
    *,
    status_source: str | Path | None = None,
    credential: Path | str | None = None,
) -> BundleReport:
    """Check a bundle against its signed manifest and against the learner's credentials.

    Raises :class:`VerificationError` naming the first problem: the manifest is not signed
    by a trusted issuer, a file is changed, missing or not listed, or a credential (in the
    bundle, or the one given) fails verification or does not rest on this bundle's evidence.

    Parameters
    ----------
    path : path
        The bundle folder or zip.
    trusted : TrustList
        Issuers accepted (:mod:`netmarketing.certify.trust`).
    status_source : str or path, optional
        Where the revocation list is read (see :func:`netmarketing.certify.status.load_status_list`).
    credential : path, optional
        A credential the learner presented separately, checked against this bundle too.
    """
    from netmarketing.certify.verify import check_credential

    path = Path(path)
    files = _read_bundle(path)
    if MANIFEST not in files:
        raise VerificationError(f"證據包缺少 {MANIFEST} (the bundle has no manifest)")
    try:
        manifest = json.loads(files[MANIFEST].decode("utf-8"), object_pairs_hook=badges._reject_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VerificationError(f"{MANIFEST} 不是有效的 JSON (manifest is not valid JSON): {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("type") != BUNDLE_TYPE:
        raise VerificationError(f"{MANIFEST} 不是本課程的證據包清單 (not an evidence bundle manifest)")
    try:
        issuer = badges.verify_proof(manifest)
    except VerificationError as exc:
        raise VerificationError(f"證據包清單 {MANIFEST}：{exc}") from None
    if trusted.find(issuer) is None:
        raise VerificationError("證據包清單：" + badges.untrusted_message(issuer, trusted.sources))

    listed: dict[str, dict[str, Any]] = {entry["path"]: entry for entry in manifest.get("files", [])}
    for rel, entry in listed.items():
        if rel not in files:
            raise VerificationError(f"證據包缺少檔案 {rel} (file listed in the manifest is missing: {rel})")
        if sha256_bytes(files[rel]) != entry.get("sha256"):
            raise VerificationError(
                f"證據包中的檔案被改動過：{rel}（SHA-256 與簽章清單不符）"
                f"(bundle file changed: {rel} does not match the signed manifest)"
            )
    extra = sorted(set(files) - set(listed) - {MANIFEST})
    if extra:
        raise VerificationError(
            f"證據包多了清單上沒有的檔案：{', '.join(extra[:5])} (files not in the manifest: {', '.join(extra[:5])})"
        )
    digest = evidence_digest({p: e["sha256"] for p, e in listed.items() if e.get("role") == EVIDENCE})
    if digest != manifest.get("evidenceDigest"):
        raise VerificationError("證據摘要值與清單不符 (the evidence digest does not match the manifest)")

    learner = str(manifest.get("learner", ""))
    near = path.parent if path.is_file() else path
    checked: list[str] = []
    status_checked = False
    documents = [(rel, files[rel]) for rel, e in sorted(listed.items()) if e.get("role") == CREDENTIAL]
    if credential is not None:
        documents.append((str(credential), Path(credential).read_bytes()))
    for rel, data in documents:
        try:
            document = json.loads(data.decode("utf-8"), object_pairs_hook=badges._reject_duplicates)
            result = check_credential(document, trusted, status_source=status_source, near=near)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise VerificationError(
                f"證書 {rel} 不是有效的 JSON (credential is not valid JSON): {exc}"
            ) from None
        except VerificationError as exc:
            raise VerificationError(f"證書 {rel}：{exc}") from None
        if result.issuer != issuer:
            raise VerificationError(
                f"證書 {rel} 的發證者與證據包不同 (credential issuer differs from the bundle's)"
            )
        if result.facts.get("evidenceBundleDigest") != digest:
            raise VerificationError(
                f"證書 {rel} 所依據的不是這個證據包（證據摘要值不符）"
                f"(credential {rel} does not rest on this bundle: evidence digest differs)"
            )
        if not _is_learner(document, learner):
            raise VerificationError(
                f"證書 {rel} 不是學員 {learner} 的 (credential {rel} is not learner {learner}'s)"
            )
        checked.append(rel)
        status_checked = status_checked or result.status.checked
    return BundleReport(
        learner=learner,
        decision=str(manifest.get("decision", "")),
        issuer=issuer,
        n_files=len(listed),
        credentials=checked,
        status_checked=status_checked,
    )


def _is_learner(credential: dict[str, Any], learner: str) -> bool:
    """Return whether a credential's salted identity hash is that of ``learner``."""
    for identity in (credential.get("credentialSubject") or {}).get("identifier") or []:
        salt, expected = str(identity.get("salt", "")), str(identity.get("identityHash", ""))
        if expected == "sha256$" + hashlib.sha256((learner + salt).encode("utf-8")).hexdigest():
            return True
    return False


# --- what goes into a learner's bundle ------------------------------------------------------------

ITEM_COLUMNS = [
    "module",
    "notebook",
    "grade_id",
    "indicator",
    "output",
    "kind",
    "points",
    "status",
    "score",
    "max_score",
    "simulated",
    "note",
    "grader_message",
    "answer_files",
]


def load_results(results_dir: Path | None) -> dict[str, dict[str, Any]]:
    """Return {module: {learner: record}} from the grading results tables (``results/<module>.json``).

    A missing folder, or a table that cannot be read, gives no records: the bundle then
    says the results were not found, and certification goes on.
    """
    tables: dict[str, dict[str, Any]] = {}
    if results_dir is None or not Path(results_dir).is_dir():
        return tables
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(payload, dict) and isinstance(payload.get("submissions"), dict):
            tables[str(payload.get("module", path.stem))] = payload["submissions"]
    return tables


def add_evidence(
    writer: BundleWriter,
    learner: str,
    *,
    items: pd.DataFrame,
    submissions: pd.DataFrame,
    manual: pd.DataFrame,
    results: dict[str, dict[str, Any]],
    autograded_dir: Path | None,
    decision: dict[str, Any],
    policy_text: str,
    report_html: str,
    created: str,
) -> None:
    """Write every evidence file of one learner's bundle (all but credentials and manifest).

    Parameters
    ----------
    items : DataFrame
        The learner's rows of ``CompetencyScores.items``.
    submissions, manual : DataFrame
        The learner's rows of ``GradeRecords.submissions`` and ``GradeRecords.manual``.
    results : dict
        :func:`load_results` of the grading workspace.
    autograded_dir : path, optional
        ``<autograder>/autograded``; None when there is no grading workspace (grades from a table).
    decision : dict
        What ``decision.json`` says (decision, duty statuses, reasons, policy facts).
    """
    writer.add_text(
        "README.md",
        README.format(
            learner=learner, framework=FRAMEWORK_CODE, created=created, decision=decision["decision"]
        ),
    )
    writer.add_json("decision.json", decision)
    writer.add_text("policy/certification.yaml", policy_text)
    modules = sorted(set(items["module"]) | set(submissions["module"]))
    module_rows, item_rows = [], []
    for module in modules:
        sub = submissions[submissions["module"] == module]
        record = results.get(module, {}).get(learner)
        folder = Path(autograded_dir) / learner / module if autograded_dir is not None else None
        notebooks = sorted(folder.glob("*.ipynb")) if folder is not None and folder.is_dir() else []
        for notebook in notebooks:
            writer.copy(f"notebooks/{module}/{notebook.name}", notebook)
        answers_dir = folder / "answers" if folder is not None else None
        answers = (
            sorted(p for p in answers_dir.rglob("*") if p.is_file())
            if answers_dir is not None and answers_dir.is_dir()
            else []
        )
        for answer in answers:
            writer.copy(f"answers/{module}/{answer.relative_to(answers_dir).as_posix()}", answer)
        submitted = not sub.empty
        module_rows.append(
            {
                "module": module,
                "submitted": submitted,
                "submitted_at": sub["submitted_at"].iloc[0] if submitted and "submitted_at" in sub else None,
                "due": sub["due"].iloc[0] if submitted and "due" in sub else None,
                "late": sub["late"].iloc[0] if submitted and "late" in sub else None,
                "grading_status": (record or {}).get("status"),
                "grading_reason": (record or {}).get("reason_zh"),
                "notebooks": len(notebooks),
                "answer_files": len(answers),
                "note": _module_note(submitted, folder, notebooks, record, answers),
            }
        )
        own = items[items["module"] == module]
        for item in own.to_dict("records"):
            grade = (((record or {}).get("notebooks") or {}).get(item["notebook"]) or {}).get("grades", {})
            prefix = f"answers/{module}/{item['notebook']}/{item['grade_id']}."
            item_rows.append(
                {
                    **{k: item.get(k) for k in ITEM_COLUMNS[:12]},
                    "grader_message": (grade.get(item["grade_id"]) or {}).get("message"),
                    "answer_files": " ".join(p for p in writer.files if p.startswith(prefix)),
                }
            )
    writer.add_csv("modules.csv", pd.DataFrame(module_rows))
    writer.add_csv("items.csv", pd.DataFrame(item_rows, columns=ITEM_COLUMNS))
    writer.add_csv("manual_grades.csv", manual)
    writer.add_text("reports/learner.html", report_html)


def _module_note(
    submitted: bool, folder: Path | None, notebooks: list[Path], record: dict | None, answers: list[Path]
) -> str:
    """Say in zh-TW what a module's bundle lacks and why, so that an absence is never silent."""
    if not submitted:
        return "未繳交此模組"
    notes = []
    if folder is None:
        notes.append("成績來自成績表，沒有評分工作區：無已評分筆記本與作答資料")
    else:
        if not notebooks:
            notes.append("找不到已評分的筆記本")
        if not answers:
            notes.append("評分時未保存作答資料")
    if record is None:
        notes.append("找不到此模組的評分結果表 (results)")
    return "；".join(notes)
