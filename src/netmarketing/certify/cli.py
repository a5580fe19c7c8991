"""``netmarketing certify`` and ``netmarketing verify FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netmarketing.cli import UserError

DEFAULT_DB = "sqlite:///autograder/gradebook.db"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``certify`` and ``verify`` commands."""
    parser = subparsers.add_parser(
        "certify",
        help="成績 → 職能級別 4 判定、報告與數位證書 (grades -> level-4 decisions, reports, credentials)",
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help=f"nbgrader 成績資料庫 URL (gradebook URL), 預設 {DEFAULT_DB}"
    )
    parser.add_argument(
        "--grades", type=Path, help="改用 CSV 成績表 (learner,module,grade_id,score[,max_score])"
    )
    parser.add_argument(
        "--course", type=Path, default=Path("course"), help="課程原始筆記本資料夾 (course source folder)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports"), help="輸出資料夾 (output folder), 預設 reports/"
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
    parser.set_defaults(func=_certify)

    verify = subparsers.add_parser("verify", help="驗證 Open Badges 3.0 數位證書 (verify a credential file)")
    verify.add_argument("file", type=Path, help="證書 JSON 檔 (credential JSON file)")
    verify.add_argument(
        "--issuer", action="append", help="只接受此發證者 DID，可重複 (trusted issuer DID, repeatable)"
    )
    verify.add_argument(
        "--strict",
        action="store_true",
        help="檔案須與簽發時逐位元組相同 (the file must be byte-identical as issued)",
    )
    verify.set_defaults(func=_verify)


def _certify(args: argparse.Namespace) -> int:
    import pandas as pd

    from netmarketing.certify.pipeline import certify
    from netmarketing.certify.policy import load_policy
    from netmarketing.certify.rubrics import load_rubrics
    from netmarketing.certify.scores import flags_from_results, load_gradebook, records_from_frame

    policy = load_policy(args.policy)
    if args.check:
        rubrics = load_rubrics()
        print(f"認證政策與 {len(rubrics)} 份評分規準皆正確 (policy and {len(rubrics)} rubrics are valid)")
        return 0
    course = args.course if args.course.is_dir() else None
    db_path = None
    if args.grades:
        if not args.grades.exists():
            raise UserError(f"找不到成績表 {args.grades} (grades file not found)")
        records = records_from_frame(args.grades)
        if course is None:
            raise UserError("使用 CSV 成績表時需要 --course 課程資料夾 (--grades needs --course)")
    else:
        db_path = args.db.removeprefix("sqlite:///") if args.db.startswith("sqlite:///") else None
        if db_path and not Path(db_path).exists():
            raise UserError(
                f"找不到成績資料庫 {db_path}；請先執行評分 (gradebook not found: {db_path}; grade first)"
            )
        records = load_gradebook(args.db)
    flags = None
    if args.flags:
        flags = pd.read_csv(args.flags)
    elif db_path:
        flags = flags_from_results(Path(db_path).parent / "results")
    result = certify(
        records,
        args.out,
        course_dir=course,
        policy=policy,
        simulated_manual=args.simulated,
        flags=flags,
        keys_dir=args.keys,
    )
    columns = ["learner", "decision", *result.decisions.summary.columns[2:-1], "credentials"]
    print(result.summary[columns].to_string(index=False))
    print(f"\n班級總覽 (cohort dashboard): {result.cohort_report}")
    print(f"學員報告 (learner reports): {result.out_dir / 'learners'}")
    print(f"數位證書 (credentials): {len(result.credential_paths)} 份於 {result.out_dir / 'credentials'}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from netmarketing.certify.badges import VerificationError, verify_file

    try:
        credential = verify_file(
            args.file, trusted_issuers=set(args.issuer) if args.issuer else None, strict=args.strict
        )
    except VerificationError as exc:
        print(f"無效 (INVALID): {args.file}\n  {exc}", file=sys.stderr)
        return 1
    achievement = credential.get("credentialSubject", {}).get("achievement", {})
    issuer = credential.get("issuer", {})
    print(f"有效 (VALID): {args.file}")
    print(f"  成就 (achievement): {achievement.get('name')}")
    print(f"  發證者 (issuer): {issuer.get('name')} {issuer.get('id')}")
    print(f"  生效 (validFrom): {credential.get('validFrom')}")
    return 0
