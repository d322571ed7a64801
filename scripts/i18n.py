"""Translation catalog upkeep.

  python scripts/i18n.py update        extract every marked string, merge into zh_CN, list the untranslated
  python scripts/i18n.py fill F.json   set translations from a JSON object {msgid: 中文}
  python scripts/i18n.py check         exit 1 when a string has no zh_CN translation

Strings are marked with _() / gettext() / ngettext() (templates and web code) or N_() (domain modules).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "consult" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHOD_MAP = [("consult/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extract() -> Catalog:
    catalog = Catalog(locale="zh_CN")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), METHOD_MAP, OPTIONS, KEYWORDS
    ):
        if "/tests/" in filename or filename.startswith("tests"):
            continue
        catalog.add(message, None, [(filename, lineno)])
    return catalog


def load() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def save(catalog: Catalog) -> None:
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, no_location=True, sort_output=True, width=0)


def untranslated(po: Catalog, source: Catalog) -> list[str]:
    missing = []
    for msg in source:
        if not msg.id:
            continue
        key = msg.id
        existing = po.get(key)
        if existing is None or not existing.string or (isinstance(existing.string, tuple) and not all(existing.string)):
            missing.append(key if isinstance(key, str) else key[0])
    return missing


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    source = extract()
    po = load()
    if cmd == "update":
        po.update(source, no_fuzzy_matching=True)
        save(po)
        missing = untranslated(po, source)
        print(json.dumps({m: "" for m in missing}, ensure_ascii=False, indent=1))
        print(f"{len(missing)} untranslated", file=sys.stderr)
        return 0
    if cmd == "fill":
        data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        po.update(source, no_fuzzy_matching=True)
        for msgid, text in data.items():
            if not text:
                continue
            msg = po.get(msgid)
            if msg is None:
                print(f"not in the source: {msgid!r}", file=sys.stderr)
                continue
            msg.string = (text,) if msg.pluralizable else text  # zh_CN has one plural form
            msg.flags.discard("fuzzy")
        save(po)
        print(f"{len(untranslated(po, source))} untranslated", file=sys.stderr)
        return 0
    missing = untranslated(po, source)
    for m in missing:
        print(m)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
