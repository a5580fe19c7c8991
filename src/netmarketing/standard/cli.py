"""``netmarketing standard show [CODE] [--lang zh|en]``: print the standard or one of its items."""

from __future__ import annotations

import argparse

from netmarketing.standard.loader import (
    KINDS,
    Competence,
    Duty,
    Indicator,
    Note,
    Standard,
    Task,
    UnknownCodeError,
    WorkOutput,
    load_standard,
)

# Labels printed in each language.
_LABELS = {
    "zh": {
        "level": "職能級別",
        "description": "工作描述",
        "knowledge": "知識",
        "skills": "技能",
        "outputs": "工作產出",
        "attitudes": "態度",
        "notes": "說明與補充事項",
        "qualifications": "建議條件",
        "task": "工作任務",
        "duty": "主要職責",
        "indicators": "行為指標",
        "tasks": "工作任務",
        "used_by": "需要它的工作任務",
        "referenced_by": "引用它的行為指標",
        "underlined": "畫底線的詞",
    },
    "en": {
        "level": "level",
        "description": "job description",
        "knowledge": "knowledge",
        "skills": "skills",
        "outputs": "work outputs",
        "attitudes": "attitudes",
        "notes": "notes",
        "qualifications": "suggested qualifications",
        "task": "task",
        "duty": "duty",
        "indicators": "behaviour indicators",
        "tasks": "tasks",
        "used_by": "tasks that need it",
        "referenced_by": "indicators that refer to it",
        "underlined": "underlined terms",
    },
}


def _text(item: object, lang: str) -> str:
    return getattr(item, lang)


def format_tree(std: Standard, lang: str = "zh") -> str:
    """Return the whole standard as an indented tree: duties, tasks, outputs, indicators, K/S/A, notes."""
    label = _LABELS[lang]
    colon = "：" if lang == "zh" else ": "
    meta = std.metadata
    name = meta.name_zh if lang == "zh" else meta.name_en
    description = meta.job_description_zh if lang == "zh" else meta.job_description_en
    lines = [
        f"{meta.code} {name} ({label['level']} {meta.level})",
        f"{label['description']}{colon}{description}",
        "",
    ]
    for duty in std.duties:
        lines.append(f"{duty.code} {_text(duty, lang)}")
        for task in std.tasks_of(duty.code):
            lines.append(f"  {task.code} {_text(task, lang)} ({label['level']} {task.level})")
            lines.append(f"      {label['knowledge']}{colon}{' '.join(task.knowledge)}")
            lines.append(f"      {label['skills']}{colon}{' '.join(task.skills)}")
            for output in std.outputs_of(task.code):
                lines.append(f"      {label['outputs']}{colon}{output.code} {_text(output, lang)}")
            for indicator in std.indicators_of(task.code):
                lines.append(f"    {indicator.code} {_text(indicator, lang)}")
    for title, items in (
        (label["knowledge"], std.knowledge),
        (label["skills"], std.skills),
        (label["attitudes"], std.attitudes),
    ):
        lines += ["", title]
        lines += [f"  {item.code} {_text(item, lang)}" for item in items]
    lines += ["", label["notes"]]
    lines += [f"  {_text(note, lang)}" for note in std.notes]
    lines += ["", label["qualifications"]]
    lines += [f"  {q}" for q in (std.qualifications_zh if lang == "zh" else std.qualifications_en)]
    return "\n".join(lines)


def format_item(std: Standard, code: str, lang: str = "zh") -> str:
    """Return one item of the standard with everything it is linked to."""
    label = _LABELS[lang]
    colon = "：" if lang == "zh" else ": "
    item = std.get(code)
    kind = next(kind for kind in KINDS if item.code in std.codes(kind))
    kind_label = KINDS[kind][0] if lang == "zh" else KINDS[kind][1]
    lines = [f"{item.code} ({kind_label})", _text(item, lang)]

    def linked(title: str, things: tuple) -> None:
        if things:
            lines.append(f"{title}{colon.strip()}")
            lines.extend(f"  {thing.code} {_text(thing, lang)}" for thing in things)

    if isinstance(item, Duty):
        linked(label["tasks"], std.tasks_of(item.code))
        linked(label["indicators"], std.indicators_of(item.code))
    elif isinstance(item, Task):
        lines.append(f"{label['duty']}{colon}{item.duty} {_text(std.duty(item.duty), lang)}")
        lines.append(f"{label['level']}{colon}{item.level}")
        linked(label["knowledge"], tuple(std.competence(c) for c in item.knowledge))
        linked(label["skills"], tuple(std.competence(c) for c in item.skills))
        linked(label["outputs"], std.outputs_of(item.code))
        linked(label["indicators"], std.indicators_of(item.code))
    elif isinstance(item, Indicator | WorkOutput):
        task = std.task(item.task)
        lines.append(f"{label['task']}{colon}{task.code} {_text(task, lang)}")
        duty = std.duty(task.duty)
        lines.append(f"{label['duty']}{colon}{duty.code} {_text(duty, lang)}")
        if isinstance(item, Indicator):
            lines.append(f"{label['level']}{colon}{item.level}")
            if item.underlined and lang == "zh":  # the underlined terms exist in zh only
                lines.append(f"{label['underlined']}{colon}{'、'.join(item.underlined)}")
            if item.notes:
                lines.append(f"{label['notes']}{colon.strip()}")
                lines.extend(f"  {_text(note, lang)}" for note in std.notes_of(item.code))
    elif isinstance(item, Competence):
        if item.description_zh:
            lines.append(item.description_zh if lang == "zh" else item.description_en)
        linked(label["used_by"], tuple(t for t in std.tasks if item.code in t.knowledge + t.skills))
    elif isinstance(item, Note):
        linked(label["referenced_by"], std.indicators_referencing(item.code))
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    from netmarketing.cli import UserError

    std = load_standard()
    if args.code is None:
        print(format_tree(std, args.lang))
        return 0
    try:
        print(format_item(std, args.code, args.lang))
    except UnknownCodeError as exc:
        raise UserError(str(exc)) from None
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``standard`` command and its ``show`` sub-command to the ``netmarketing`` parser."""
    parser = subparsers.add_parser(
        "standard",
        help="職能基準 KMC2431-008v1 (the competency standard)",
        description="查看職能基準 KMC2431-008v1 (show the competency standard)",
    )
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)
    commands = parser.add_subparsers(dest="standard_command", metavar="SUBCOMMAND")
    show = commands.add_parser(
        "show",
        help="顯示整份基準或一個項目 (show the whole standard or one item)",
        description="顯示整份基準，或一個代碼的項目，例如 P1.2.4、T1.2、K05、註8 "
        "(show the whole standard, or the item of one code)",
    )
    show.add_argument("code", nargs="?", help="代碼，例如 P1.2.4 (a code, e.g. P1.2.4); 省略則顯示全部")
    show.add_argument("--lang", choices=("zh", "en"), default="zh", help="語言 (language), 預設 zh")
    show.set_defaults(func=_show)
