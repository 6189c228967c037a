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


# How many public ids there are: one number below this is one id, its base-36 digits (the
# lowest one a letter).
_COUNT = len(FIRST) * len(REST) ** (LENGTH - 1)
_BITS = _COUNT.bit_length()  # 62: a draw is below _COUNT about three times in four


def new_public_id() -> str:
    """A fresh random public id, drawn from the operating system's secure source.

    One draw of 62 bits per id (redrawn when it is past the last id, so every id is as
    likely as any other), not one per character: a reply notifying fifty followers makes
    fifty of these."""
    while True:
        number = secrets.randbits(_BITS)
        if number < _COUNT:
            break
    chars = []
    for _ in range(LENGTH - 1):
        number, digit = divmod(number, len(REST))
        chars.append(REST[digit])
    return FIRST[number] + "".join(chars)


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
