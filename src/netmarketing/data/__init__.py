"""The synthetic world of a Taiwanese online retailer: tables, planted truths, defects.

>>> from netmarketing.data import build_world, seed_for
>>> w = build_world(seed_for("self-study"))        # doctest: +SKIP
>>> w["orders"].head()                              # doctest: +SKIP
"""

from netmarketing.data.channels import default_channel_group
from netmarketing.data.world import CORE_TABLES, DATA_VERSION, World, build_world, load_world, seed_for

__all__ = [
    "CORE_TABLES",
    "DATA_VERSION",
    "World",
    "build_world",
    "default_channel_group",
    "load_world",
    "seed_for",
]
