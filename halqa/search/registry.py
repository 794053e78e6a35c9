"""The kinds of searchable objects: each app registers one with a function that reads an object.

    registry.register("case", read_case)

`read(object_id)` returns a `Source` (language, title, text) or None when the object is gone (its
document is then removed). Registration happens in `halqa.search.kinds` (or in the app's ready()).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    language: str
    title: str
    text: str


Reader = Callable[[int], "Source | None"]
KINDS: dict[str, Reader] = {}
ALL_IDS: dict[str, Callable[[], object]] = {}


def register(kind: str, read: Reader, *, all_ids: Callable[[], object]) -> None:
    """`all_ids()` gives every object id of the kind (an iterable or a values_list), for `reindex`."""
    KINDS[kind] = read
    ALL_IDS[kind] = all_ids


def reader(kind: str) -> Reader:
    try:
        return KINDS[kind]
    except KeyError:
        raise LookupError(f"no search kind {kind!r}; registered: {sorted(KINDS)}") from None
