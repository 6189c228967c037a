"""Small rules of wording for the moderation pages, where a reason someone typed ends a sentence."""
from __future__ import annotations

# A sentence already ends if the typed reason ends with one of these (before any closing
# quote or bracket): "Spam." must not become "Spam..".
_ENDINGS = (".", "!", "?", "…")
_CLOSERS = "\"'”’)]»"


def full_stop(reason: str | None) -> str:
    """`reason` ending its sentence: a full stop added only when it has none of its own."""
    reason = (reason or "").rstrip()
    if not reason or reason.rstrip(_CLOSERS).endswith(_ENDINGS):
        return reason
    return reason + "."
