"""Fill or correct translations in the catalogs from a JSON file: {lang: {msgid: msgstr or [plural forms]}}.

Used by maintainers after `make messages` to apply reviewed translations; clears the fuzzy flag.
Usage: .venv/bin/python scripts/po_fill.py translations.json [--force]
Only untranslated and fuzzy entries are filled, unless --force corrects translated ones too.
"""

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "halqa" / "locale"


def main(path: str, force: bool = False) -> None:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for language, entries in data.items():
        po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.msgid not in entries:
                continue
            if entry.translated() and "fuzzy" not in entry.flags and not force:
                continue  # an entry with the same msgid in another context keeps its translation
            value = entries[entry.msgid]
            if isinstance(value, list):
                entry.msgstr_plural = dict(enumerate(value))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        po.save(str(po_path))
        print(f"{language}: {po.percent_translated()}% translated")


if __name__ == "__main__":
    main(sys.argv[1], force="--force" in sys.argv[2:])
