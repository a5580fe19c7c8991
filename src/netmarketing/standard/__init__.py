"""The competency standard KMC2431-008v1 (網路行銷企劃主管, level 4) as typed data.

The door of the ``standard`` room: it knows the standard and nothing else.

Examples
--------
>>> from netmarketing.standard import load_standard
>>> std = load_standard()
>>> std.indicator("P1.2.4").zh
'依產品市場定位，找出潛在客群並確認其偏好與需求。'
>>> std.duty_of("P1.2.4").code
'T1'
>>> [n.code for n in std.notes_of("P3.1.2")]
['註7', '註8']
"""

from netmarketing.standard.loader import (
    KINDS,
    Competence,
    Duty,
    Indicator,
    Metadata,
    Note,
    Standard,
    StandardDataError,
    Task,
    UnknownCodeError,
    WorkOutput,
    kind_of,
    load_standard,
    normalize_code,
    parse_standard,
    read_standard,
)

__all__ = [
    "KINDS",
    "Competence",
    "Duty",
    "Indicator",
    "Metadata",
    "Note",
    "Standard",
    "StandardDataError",
    "Task",
    "UnknownCodeError",
    "WorkOutput",
    "kind_of",
    "load_standard",
    "normalize_code",
    "parse_standard",
    "read_standard",
]
