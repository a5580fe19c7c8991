"""Compile the course's zh-TW JupyterLab language pack (``langpack/``) from its gettext sources.

JupyterLab serves one language pack per locale (entry point ``jupyterlab.languagepack``); a second
pack for ``zh_TW`` would not merge with the first, one of the two would win. So the course ships
its own build of ``jupyterlab-language-pack-zh-TW``: upstream's translations
(``langpack/po/upstream/*.po``) with the course's additions and corrections on top
(``langpack/po/*.po``, an entry there wins). This module turns those ``.po`` files into the
``<domain>.json`` (read by the browser) and ``<domain>.mo`` (read by the server for settings
schemas) that JupyterLab loads, in the format of ``jupyterlab-translate``.

The compiled files are committed, so installing the pack (``pip install ./langpack``, done by
``make setup``) runs no build step. After editing a ``.po`` file, run::

    python -m netmarketing.grading.langpack

``tests/test_langpack.py`` fails when the committed files are not what the sources compile to.
"""

from __future__ import annotations

import datetime
import io
import json
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = "zh_TW"
PLURAL_FORMS = "nplurals=1; plural=0;"
#: Fixed header dates, so compiling twice gives the same bytes.
_BUILD_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def langpack_dir() -> Path:
    """Return the ``langpack/`` folder of this checkout."""
    return Path(__file__).resolve().parents[3] / "langpack"


def messages_dir(root: Path) -> Path:
    """Return the folder the compiled catalogs go to (``<module>/locale/zh_TW/LC_MESSAGES``)."""
    return root / "jupyterlab_language_pack_zh_TW" / "locale" / LOCALE / "LC_MESSAGES"


def pack_version(root: Path) -> str:
    """Return the version of the language pack distribution (from ``langpack/pyproject.toml``)."""
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def merged_messages(root: Path, domain: str) -> dict[tuple[str | None, str], tuple[str, tuple[str, ...]]]:
    """Return ``{(context, msgid): (msgid_plural or "", translations)}`` of one domain, course over upstream.

    Entries without a translation are left out, so the English text shows instead of a blank.
    """
    merged: dict[tuple[str | None, str], tuple[str, tuple[str, ...]]] = {}
    for path in (root / "po" / "upstream" / f"{domain}.po", root / "po" / f"{domain}.po"):
        if not path.is_file():
            continue
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=LOCALE, domain=domain)
        for message in catalog:
            if not message.id:
                continue  # the header
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not any(strings):
                continue
            plural = ids[1] if len(ids) > 1 else ""
            merged[(message.context, ids[0])] = (plural, tuple(strings))
    return merged


def to_json(domain: str, messages: dict, version: str) -> str:
    """Return the Jed-style JSON that JupyterLab's front end loads for one domain."""
    data: dict[str, object] = {
        "": {
            "domain": domain,
            "language": LOCALE.replace("_", "-"),
            "plural_forms": PLURAL_FORMS,
            "version": version,
        }
    }
    for (context, msgid), (plural, strings) in messages.items():
        key = f"{context}\x04{msgid}" if context else msgid
        values = list(strings)
        if plural and len(values) == 1:
            values.append("")  # JupyterLab expects a plural entry to have more than one string
        data[key] = values
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=4) + "\n"


def to_mo(domain: str, messages: dict, version: str) -> bytes:
    """Return the binary gettext catalog the server uses (settings schemas, menu titles)."""
    catalog = Catalog(
        locale=LOCALE,
        domain=domain,
        project=domain,
        version=version,
        creation_date=_BUILD_DATE,
        revision_date=_BUILD_DATE,
        fuzzy=False,
    )
    for (context, msgid), (plural, strings) in messages.items():
        catalog.add((msgid, plural) if plural else msgid, strings if plural else strings[0], context=context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def domains(root: Path) -> list[str]:
    """Return the gettext domains that have a course or upstream ``.po`` file."""
    names = {p.stem for p in (root / "po").glob("*.po")} | {
        p.stem for p in (root / "po" / "upstream").glob("*.po")
    }
    return sorted(names)


def compile_pack(root: Path, out: Path | None = None) -> list[Path]:
    """Write ``<domain>.json`` and ``<domain>.mo`` for every domain of ``root/po`` and return their paths.

    Parameters
    ----------
    root : Path
        The ``langpack/`` folder (``po/``, ``pyproject.toml``).
    out : Path, optional
        Where to write; default the pack's ``locale/zh_TW/LC_MESSAGES`` folder.
    """
    out = out or messages_dir(root)
    out.mkdir(parents=True, exist_ok=True)
    version = pack_version(root)
    written = []
    for domain in domains(root):
        messages = merged_messages(root, domain)
        json_path, mo_path = out / f"{domain}.json", out / f"{domain}.mo"
        json_path.write_text(to_json(domain, messages, version), encoding="utf-8")
        mo_path.write_bytes(to_mo(domain, messages, version))
        written += [json_path, mo_path]
    return written


def main() -> int:
    """Recompile the committed catalogs of ``langpack/`` (a maintainer's step after editing a ``.po``)."""
    for path in compile_pack(langpack_dir()):
        print(f"已寫入 (wrote) {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
