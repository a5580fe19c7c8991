"""A learner's data folder: their variant's tables and nothing else (no truth, no seed).

Layout (read by :mod:`netmarketing.learner.data`)::

    <folder>/variant.json         {"learner": ..., "variant": <label>, "scale": ..., "data_version": ...}
    <folder>/tables/<name>.parquet

The grader and ``netmarketing data release`` write these folders; a learner's kernel
reads only them. The variant label names the variant without revealing its seed.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netmarketing.data.world import DATA_VERSION, ParquetTables, publish_folder

VARIANT_FILE = "variant.json"
TABLES_DIR = "tables"


def write_learner_data(
    tables: Mapping[str, Any], folder: Path, *, learner: str, variant: str, scale: float, replace: bool = True
) -> Path:
    """Write ``tables`` (a world's tables, never its truth) into a learner data folder and return it.

    The folder is published atomically: a reader never sees half of it. An existing
    folder is replaced, unless ``replace`` is False (then the existing one is kept).
    """
    folder = Path(folder)

    def build(tmp: Path) -> None:
        (tmp / TABLES_DIR).mkdir()
        for name in tables:
            target = tmp / TABLES_DIR / f"{name}.parquet"
            source = tables._folder / f"{name}.parquet" if isinstance(tables, ParquetTables) else None
            if source is not None and source.is_file():
                shutil.copyfile(source, target)  # already Parquet: no need to read and write again
            else:
                tables[name].to_parquet(target, index=False)
        meta = {
            "learner": learner,
            "variant": variant,
            "scale": float(scale),
            "data_version": DATA_VERSION,
            "tables": sorted(tables),
        }
        (tmp / VARIANT_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    if folder.exists() and not replace:
        return folder
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        os.replace(folder, old)
        shutil.rmtree(old, ignore_errors=True)
    publish_folder(build, folder)
    return folder


def read_variant(folder: Path) -> dict[str, Any]:
    """Return the ``variant.json`` of a learner data folder (raises OSError or ValueError when unreadable)."""
    meta = json.loads((Path(folder) / VARIANT_FILE).read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or "variant" not in meta:
        raise ValueError(f"{folder / VARIANT_FILE} 格式不正確 (malformed)")
    return meta
