"""Public ids: what addresses, anchors, forms, feeds and cursors show instead of our row ids.

Row ids come from one sequence per table, so two of them tell which row came first and
roughly how far apart they were written: an anonymous post and someone's public post with
neighbouring ids were written moments apart, and timing is how pseudonyms get unmasked.
A public id is drawn at random when its row is created and says nothing about when.

Twelve characters, lower-case letters and digits, the first always a letter: never all
digits, so no public id can be taken for a row id of the old addresses (/posts/123), and one
alphabet so that case never matters. 26 * 36**11 is about 2**61 values: among a million
rows of one table, the chance that any two ever drew the same is about one in seven million,
and the unique index on every public id column refuses the second write if they do.
"""
from __future__ import annotations

import re
import secrets

from werkzeug.routing import BaseConverter

LENGTH = 12
FIRST = "abcdefghijklmnopqrstuvwxyz"
REST = FIRST + "0123456789"
PATTERN = f"[a-z][a-z0-9]{{{LENGTH - 1}}}"
_FULL = re.compile(PATTERN)


# Each character is one random byte, kept only when below the largest multiple of its
# alphabet's size that a byte holds (234 = 9 x 26 for the first, 252 = 7 x 36 for the rest),
# so every character is as likely as any other; bytes past it are dropped and more are drawn.
# The translation happens in C (bytes.translate), a few hundred nanoseconds an id: drawing
# and spelling a 62-bit number in Python took ten times that, and a reply notifying fifty
# followers makes fifty ids.
_DROPPED = b"!"
_FIRST_TABLE = b"".join(FIRST[b % len(FIRST)].encode() if b < 234 else _DROPPED
                        for b in range(256))
_REST_TABLE = b"".join(REST[b % len(REST)].encode() if b < 252 else _DROPPED
                       for b in range(256))


def _letters(table: bytes, count: int) -> bytes:
    """`count` characters of `table`'s alphabet, each drawn uniformly from the secure source."""
    kept = b""
    while len(kept) < count:
        # An eighth more than needed, and eight: one call of the secure source almost always
        # suffices (a byte is dropped one time in twelve for the first letter, in 64 after).
        drawn = secrets.token_bytes(count - len(kept) + (count >> 3) + 8)
        kept += drawn.translate(table).replace(_DROPPED, b"")
    return kept[:count]


def new_public_ids(count: int) -> list[str]:
    """`count` fresh random public ids, drawn from the operating system's secure source."""
    firsts = _letters(_FIRST_TABLE, count).decode()
    rests = _letters(_REST_TABLE, count * (LENGTH - 1)).decode()
    return [firsts[i] + rests[i * (LENGTH - 1):(i + 1) * (LENGTH - 1)] for i in range(count)]


def new_public_id() -> str:
    """A fresh random public id, drawn from the operating system's secure source."""
    return new_public_ids(1)[0]


def is_public_id(value: object) -> bool:
    """Tell whether `value` has the shape of a public id (not whether any row has it)."""
    return isinstance(value, str) and _FULL.fullmatch(value) is not None


class PublicIdConverter(BaseConverter):
    """`<public_id:name>` in a route: matches a public id only, so an integer never does.

    Building a URL from anything else (a row id, by mistake) fails loudly instead of
    printing a row id into a page."""

    regex = PATTERN

    def to_url(self, value) -> str:
        if not is_public_id(value):
            raise ValueError(f"not a public id: {value!r}")
        return value
