"""API token keys: how they are made, and the one-way hash that is all the database keeps.

A key is 32 random bytes (256 bits) behind a recognisable `halqa_` start, so a leaked key can be
found by secret scanners. Such a key cannot be guessed, so a plain SHA-256 is the right hash: a slow
password hash would only slow every API request down without making the key any harder to find.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_START = "halqa_"
PREFIX_LENGTH = len(KEY_START) + 4  # what the token list shows: "halqa_Xy3k…"
MAX_KEY_LENGTH = 100  # longer than any key we make or made; anything longer is refused unhashed


def new_key() -> str:
    return KEY_START + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def visible_prefix(key: str) -> str:
    """The start of a key, shown in lists: enough to tell one's tokens apart, useless to an attacker."""
    return key[:PREFIX_LENGTH] if key.startswith(KEY_START) else key[:8]
