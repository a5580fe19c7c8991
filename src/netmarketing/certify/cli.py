"""``netmarketing certify``, ``netmarketing verify FILE`` / ``--bundle PATH`` and ``netmarketing revoke ID``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netmarketing.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``certify`` and ``verify`` commands."""
    parser = subparsers.add_parser(
        "certify",
        help="成績 → 職能級別 4 判定、報告與數位證書 (grades -> level-4 decisions, reports, credentials)",
    )
    parser.add_argument(
        "--db",
        help="nbgrader 成績資料庫 URL (gradebook URL), 預設為評分工作區的成績簿 (default: the workspace's)",
    )
    parser.add_argument(
        "--grades", type=Path, help="改用 CSV 成績表 (learner,module,grade_id,score[,max_score])"
    )
    parser.add_argument(
        "--course", type=Path, help="課程原始筆記本資料夾 (course source folder), 預設為儲存庫的 course/"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="輸出資料夾 (output folder), 預設為儲存庫的 reports/ (the repository's reports/)",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        default=None,
        help="認證政策檔 (policy file), 預設 autograder/certification.yaml",
    )
    parser.add_argument(
        "--keys", type=Path, default=None, help="發證金鑰資料夾 (issuer keys folder), 預設 autograder/keys/"
    )
    parser.add_argument("--flags", type=Path, help="完整性警示 CSV (integrity flags: learner,module,reason)")
    parser.add_argument(
        "--simulated", action="store_true", help="將人工評分標示為模擬 (mark manual grades as simulated)"
    )
    parser.add_argument(
        "--check", action="store_true", help="只檢查政策檔與評分規準 (only validate policy and rubrics)"
    )
    parser.add_argument(
        "--autograder",
        type=Path,
        default=None,
        help="評分工作區，證據包取用其中已評分的筆記本與作答 (grading workspace); 預設為儲存庫的 autograder/，"
        "給 --db 時為成績資料庫所在資料夾",
    )
    parser.add_argument(
        "--zip", action="store_true", help="每位學員的證據包寫成一個 zip (one zip per evidence bundle)"
    )
    parser.set_defaults(func=_certify)

    verify = subparsers.add_parser(
        "verify", help="驗證數位證書或證據包 (verify a credential file or an evidence bundle)"
    )
    verify.add_argument("file", type=Path, nargs="?", help="證書 JSON 檔 (credential JSON file)")
    verify.add_argument(
        "--bundle", type=Path, help="驗證證據包資料夾或 zip (verify an evidence bundle folder or zip)"
    )
    verify.add_argument(
        "--trust",
        type=Path,
        action="append",
        help="信任名單：YAML 檔或金鑰資料夾，可重複；預設為認證政策與本機金鑰資料夾 "
        "(trust file or keys folder, repeatable; default: the policy and this machine's keys folder)",
    )
    verify.add_argument(
        "--issuer", action="append", help="只接受此發證者 DID，可重複 (trusted issuer DID, repeatable)"
    )
    verify.add_argument(
        "--status",
        help="撤銷狀態清單：檔案、資料夾或 https 網址（只有給網址時才會連網）"
        "(revocation list: file, folder or https URL; the network is used only for a URL)",
    )
    verify.add_argument(
        "--strict",
        action="store_true",
        help="檔案須與簽發時逐位元組相同 (the file must be byte-identical as issued)",
    )
    verify.set_defaults(func=_verify)

    revoke = subparsers.add_parser("revoke", help="撤銷一張已核發的數位證書 (revoke an issued credential)")
    revoke.add_argument("credential", help="證書 id（urn:uuid:…）或證書檔 (credential id or file)")
    revoke.add_argument(
        "--reason", required=True, help="撤銷原因，記錄於發證紀錄 (reason, kept in the register)"
    )
    revoke.add_argument(
        "--keys", type=Path, default=None, help="發證金鑰資料夾 (issuer keys folder), 預設 autograder/keys/"
    )
    revoke.add_argument(
        "--out",
        type=Path,
        help="狀態清單寫到 OUT/status/ (the list goes to OUT/status/), 預設為儲存庫的 reports/",
    )
    revoke.add_argument("--policy", type=Path, default=None, help="認證政策檔 (policy file)")
    revoke.set_defaults(func=_revoke)


def _certify(args: argparse.Namespace) -> int:
    import pandas as pd

    from netmarketing.certify.pipeline import certify, open_flags, sync_workspace_flags
    from netmarketing.certify.policy import load_policy
    from netmarketing.certify.rubrics import load_rubrics
    from netmarketing.certify.scores import load_gradebook, records_from_frame
    from netmarketing.grading.review import rubrics_dir
    from netmarketing.grading.workspace import Workspace

    # The workspace is found the way `netmarketing grade` finds it: from any folder of the repository.
    ws = Workspace(args.autograder) if args.autograder else Workspace.default()
    policy = load_policy(args.policy)
    rubrics = rubrics_dir(ws)
    if args.check:
        found = load_rubrics(rubrics)
        print(f"認證政策與 {len(found)} 份評分規準皆正確 (policy and {len(found)} rubrics are valid)")
        return 0
    course = args.course or ws.course_dir
    course = course if course is not None and Path(course).is_dir() else None
    out = args.out or ws.root.parent / "reports"
    db_url = args.db or ws.db_url
    autograder = args.autograder or ws.root
    if args.grades:
        if not args.grades.exists():
            raise UserError(f"找不到成績表 {args.grades} (grades file not found)")
        records = records_from_frame(args.grades)
        if course is None:
            raise UserError("使用 CSV 成績表時需要 --course 課程資料夾 (--grades needs --course)")
        autograder = args.autograder
    else:
        db_path = db_url.removeprefix("sqlite:///") if db_url.startswith("sqlite:///") else None
        if db_path and not Path(db_path).exists():
            raise UserError(
                f"找不到成績資料庫 {db_path}；請先執行評分 (gradebook not found: {db_path}; grade first)"
            )
        if args.db and db_path and not args.autograder:
            autograder = Path(db_path).parent
        sync_workspace_flags(
            Path(autograder), db_url, course
        )  # flags cleared in formgrader count as resolved
        records = load_gradebook(db_url, rubrics_dir=rubrics)
    flags = None
    if args.flags:
        flags = pd.read_csv(args.flags)
    elif autograder is not None:
        flags = open_flags(Path(autograder) / "results")
    result = certify(
        records,
        out,
        course_dir=course,
        policy=policy,
        simulated_manual=args.simulated,
        flags=flags,
        keys_dir=args.keys,
        rubrics_dir=rubrics,
        autograder_dir=autograder,
        bundle_zip=args.zip,
    )
    columns = ["learner", "decision", *result.decisions.summary.columns[2:-1], "credentials"]
    print(result.summary[columns].to_string(index=False))
    print(f"\n班級總覽 (cohort dashboard): {result.cohort_report}")
    print(f"學員報告 (learner reports): {result.out_dir / 'learners'}")
    print(f"數位證書 (credentials): {len(result.credential_paths)} 份於 {result.out_dir / 'credentials'}")
    print(f"證據包 (evidence bundles): {len(result.bundle_paths)} 份於 {result.out_dir / 'bundles'}")
    print(f"撤銷狀態清單 (status list, publish it): {result.status_list}")
    if result.withdrawn:
        print(f"已撤回不再成立的舊證書 (withdrawn, no longer hold): {len(result.withdrawn)} 張")
    _say_pins(result.key)
    key = result.key
    if args.keys is None and key is not None and not any(p.did == key.did for p in policy.trusted_issuers):
        print(
            f"提醒 (note)：本課程金鑰 {key.did} 尚未列在 {policy.source} 的 trusted_issuers；"
            "加入並提交後，其他人才能驗證本課程的證書 (pin it there and commit, so that others can verify)"
        )
    return 0


def _say_pins(key) -> None:
    """Tell the certifier where a newly created key was pinned, and what to commit."""
    if key is None or not key.pinned_in:
        return
    print(f"已建立發證金鑰並釘選於信任名單 (new issuer key pinned in): {', '.join(key.pinned_in)}")
    if any(path.endswith("certification.yaml") for path in key.pinned_in):
        print("請檢查並提交 (git commit) autograder/certification.yaml，其他人才能驗證本課程的證書。")


def _trust_list(args: argparse.Namespace):
    from netmarketing.certify.trust import TrustedIssuer, TrustList, default_trust, load_trust_file

    if not args.trust and not args.issuer:
        return default_trust()
    trust = TrustList((), ())
    for path in args.trust or []:
        trust += load_trust_file(path)
    if args.issuer:
        pins = tuple(TrustedIssuer(did=did, source="--issuer") for did in args.issuer)
        trust += TrustList(pins, ("--issuer",))
    return trust


def _verify(args: argparse.Namespace) -> int:
    from netmarketing.certify.badges import VerificationError
    from netmarketing.certify.bundle import verify_bundle
    from netmarketing.certify.verify import verify_credential_file

    if args.file is None and args.bundle is None:
        raise UserError("請給證書檔或 --bundle 證據包 (give a credential file or --bundle PATH)")
    trust = _trust_list(args)
    target = args.bundle or args.file
    try:
        if args.bundle is not None:
            report = verify_bundle(args.bundle, trust, status_source=args.status, credential=args.file)
        else:
            check = verify_credential_file(args.file, trust, status_source=args.status, strict=args.strict)
    except VerificationError as exc:
        print(f"無效 (INVALID): {target}\n  {exc}", file=sys.stderr)
        return 1
    print(f"有效 (VALID): {target}")
    if args.bundle is not None:
        print(f"  學員 (learner): {report.learner}　判定 (decision): {report.decision}")
        print(f"  檔案 (files): {report.n_files} 個，雜湊值與簽章清單相符 (all match the signed manifest)")
        print(f"  證書 (credentials): {', '.join(report.credentials) or '無 (none)'}")
        print(f"  發證者 (issuer): {report.issuer}")
        return 0
    credential = check.credential
    achievement = credential.get("credentialSubject", {}).get("achievement", {})
    issuer = credential.get("issuer", {})
    print(f"  成就 (achievement): {achievement.get('name')}")
    print(f"  發證者 (issuer): {issuer.get('name')} {check.issuer}")
    print(f"  信任依據 (pinned in): {check.pin.source}")
    print(f"  生效 (validFrom): {credential.get('validFrom')}")
    if check.status.checked:
        print(
            f"  撤銷狀態 (status): 未撤銷 (not revoked)，清單 {check.status.source}（{check.status.list_date}）"
        )
    else:
        print("  撤銷狀態 (status): 此證書未提供 (the credential has no status entry)")
    if check.facts.get("anySimulatedGrade"):
        print("  注意 (note): 含示範用的模擬評分 (rests on simulated grades)")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    import json

    from netmarketing.certify import badges, status
    from netmarketing.certify.policy import load_policy

    credential_id = args.credential
    if Path(credential_id).is_file():
        try:
            credential_id = json.loads(Path(credential_id).read_text(encoding="utf-8"))["id"]
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{args.credential} 不是證書檔 (not a credential file)") from None
    policy = load_policy(args.policy)
    key = badges.load_or_create_issuer_key(args.keys, issuer_name=policy.issuer_name, create=False)
    register = status.Register.load(key.keys_dir or ".")
    revocation = register.revoke(credential_id, args.reason)
    register.save()
    # The list the credential names; a policy changed since then must not move it.
    url = revocation.status_list or status.list_url(policy.issuer_status_list, policy.issuer_url, key.did)
    from netmarketing.grading.workspace import Workspace

    path = status.write_status_list(
        register, key, url, args.out or Workspace.default().root.parent / "reports"
    )
    if revocation.already:
        print(f"此證書已於 {revocation.revoked_at} 撤銷過 (already revoked): {credential_id}")
    else:
        print(
            f"已撤銷 (revoked): {credential_id}（{revocation.learner} {revocation.code}）原因：{revocation.reason}"
        )
    print(f"撤銷狀態清單已更新 (status list updated): {path}")
    print(f"請把它發布到 (publish it at): {url}")
    return 0
