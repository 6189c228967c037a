"""The readable part of an address, made from a title or a name."""
from __future__ import annotations

import re
import unicodedata


def slugify(title: str) -> str:
    """The readable part of an address made from a title: lower-case ASCII words and dashes."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return slug or "story"
