"""docs/security.md lists every OWASP ASVS 5.0.0 Level 1 and Level 2 requirement once, and each test it
cites exists.

REQUIREMENTS was taken once from the ASVS 5.0.0 English chapters (every requirement of level 1 or 2,
`id:level`, 253 in all); the test does not need the ASVS text.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "security.md"

REQUIREMENTS = """
1.1.1:2 1.1.2:2 1.2.1:1 1.2.2:1 1.2.3:1 1.2.4:1 1.2.5:1 1.2.6:2 1.2.7:2 1.2.8:2 1.2.9:2 1.3.1:1 1.3.2:1
1.3.3:2 1.3.4:2 1.3.5:2 1.3.6:2 1.3.7:2 1.3.8:2 1.3.9:2 1.3.10:2 1.3.11:2 1.4.1:2 1.4.2:2 1.4.3:2 1.5.1:1
1.5.2:2
2.1.1:1 2.1.2:2 2.1.3:2 2.2.1:1 2.2.2:1 2.2.3:2 2.3.1:1 2.3.2:2 2.3.3:2 2.3.4:2 2.4.1:2
3.2.1:1 3.2.2:1 3.3.1:1 3.3.2:2 3.3.3:2 3.3.4:2 3.4.1:1 3.4.2:1 3.4.3:2 3.4.4:2 3.4.5:2 3.4.6:2 3.5.1:1
3.5.2:1 3.5.3:1 3.5.4:2 3.5.5:2 3.7.1:2 3.7.2:2
4.1.1:1 4.1.2:2 4.1.3:2 4.2.1:2 4.3.1:2 4.3.2:2 4.4.1:1 4.4.2:2 4.4.3:2 4.4.4:2
5.1.1:2 5.2.1:1 5.2.2:1 5.2.3:2 5.3.1:1 5.3.2:1 5.4.1:2 5.4.2:2 5.4.3:2
6.1.1:1 6.1.2:2 6.1.3:2 6.2.1:1 6.2.2:1 6.2.3:1 6.2.4:1 6.2.5:1 6.2.6:1 6.2.7:1 6.2.8:1 6.2.9:2 6.2.10:2
6.2.11:2 6.2.12:2 6.3.1:1 6.3.2:1 6.3.3:2 6.3.4:2 6.4.1:1 6.4.2:1 6.4.3:2 6.4.4:2 6.5.1:2 6.5.2:2 6.5.3:2
6.5.4:2 6.5.5:2 6.6.1:2 6.6.2:2 6.6.3:2 6.8.1:2 6.8.2:2 6.8.3:2 6.8.4:2
7.1.1:2 7.1.2:2 7.1.3:2 7.2.1:1 7.2.2:1 7.2.3:1 7.2.4:1 7.3.1:2 7.3.2:2 7.4.1:1 7.4.2:1 7.4.3:2 7.4.4:2
7.4.5:2 7.5.1:2 7.5.2:2 7.6.1:2 7.6.2:2
8.1.1:1 8.1.2:2 8.2.1:1 8.2.2:1 8.2.3:2 8.3.1:1 8.4.1:2
9.1.1:1 9.1.2:1 9.1.3:1 9.2.1:1 9.2.2:2 9.2.3:2 9.2.4:2
10.1.1:2 10.1.2:2 10.2.1:2 10.2.2:2 10.3.1:2 10.3.2:2 10.3.3:2 10.3.4:2 10.4.1:1 10.4.2:1 10.4.3:1 10.4.4:1
10.4.5:1 10.4.6:2 10.4.7:2 10.4.8:2 10.4.9:2 10.4.10:2 10.4.11:2 10.5.1:2 10.5.2:2 10.5.3:2 10.5.4:2
10.5.5:2 10.6.1:2 10.6.2:2 10.7.1:2 10.7.2:2 10.7.3:2
11.1.1:2 11.1.2:2 11.2.1:2 11.2.2:2 11.2.3:2 11.3.1:1 11.3.2:1 11.3.3:2 11.4.1:1 11.4.2:2 11.4.3:2 11.4.4:2
11.5.1:2 11.6.1:2
12.1.1:1 12.1.2:2 12.1.3:2 12.2.1:1 12.2.2:1 12.3.1:2 12.3.2:2 12.3.3:2 12.3.4:2
13.1.1:2 13.2.1:2 13.2.2:2 13.2.3:2 13.2.4:2 13.2.5:2 13.3.1:2 13.3.2:2 13.4.1:1 13.4.2:2 13.4.3:2 13.4.4:2
13.4.5:2
14.1.1:2 14.1.2:2 14.2.1:1 14.2.2:2 14.2.3:2 14.2.4:2 14.3.1:1 14.3.2:2 14.3.3:2
15.1.1:1 15.1.2:2 15.1.3:2 15.2.1:1 15.2.2:2 15.2.3:2 15.3.1:1 15.3.2:2 15.3.3:2 15.3.4:2 15.3.5:2 15.3.6:2
15.3.7:2
16.1.1:2 16.2.1:2 16.2.2:2 16.2.3:2 16.2.4:2 16.2.5:2 16.3.1:2 16.3.2:2 16.3.3:2 16.3.4:2 16.4.1:2 16.4.2:2
16.4.3:2 16.5.1:2 16.5.2:2 16.5.3:2
17.1.1:2 17.2.1:2 17.2.2:2 17.2.3:2 17.2.4:2 17.3.1:2 17.3.2:2
"""
LEVELS = dict(item.split(":") for item in REQUIREMENTS.split())
ROW = re.compile(r"^\|\s*(\d+\.\d+\.\d+)\s*\|\s*([^|]*?)\s*\|\s*([^|]*?)\s*\|\s*(.*?)\s*\|\s*$")
TEST_REFERENCE = re.compile(r"`([\w./-]+\.py)::(\w+)`")
EVIDENCE_KINDS = ("n/a:", "process:", "gap:", "design:")


def rows() -> list[tuple[str, str, str, str]]:
    return [match.groups() for line in DOC.read_text(encoding="utf-8").splitlines() if (match := ROW.match(line))]


def test_the_list_is_complete():
    assert len(LEVELS) == 253


def test_every_level_1_and_2_requirement_is_listed_exactly_once_with_its_level():
    listed = Counter(row[0] for row in rows())
    missing = sorted(set(LEVELS) - set(listed), key=lambda id_: [int(part) for part in id_.split(".")])
    twice = sorted(id_ for id_, count in listed.items() if count > 1)
    unknown = sorted(set(listed) - set(LEVELS))
    assert (missing, twice, unknown) == ([], [], [])
    wrong_level = [id_ for id_, level, _what, _evidence in rows() if level != LEVELS[id_]]
    assert wrong_level == []


def test_every_requirement_says_what_halqa_does_and_what_shows_it():
    incomplete = [
        id_
        for id_, _level, what, evidence in rows()
        if not what or not (TEST_REFERENCE.search(evidence) or evidence.startswith(EVIDENCE_KINDS))
    ]
    assert incomplete == []


def cited_tests() -> list[tuple[str, str]]:
    return sorted({match.groups() for row in rows() for match in TEST_REFERENCE.finditer(row[3])})


def test_the_document_cites_tests():
    assert len(cited_tests()) > 50


@pytest.mark.parametrize("path,name", cited_tests())
def test_every_cited_test_exists(path, name):
    source = ROOT / path
    assert source.is_file(), f"{path} does not exist"
    assert re.search(rf"^\s*(async\s+)?def {name}\(", source.read_text(encoding="utf-8"), re.MULTILINE), (
        f"{path} defines no {name}"
    )
