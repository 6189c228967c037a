"""What a new password must be: the one rule for registration and for a password change."""
from __future__ import annotations

import re
from pathlib import Path

from flask_babel import gettext as _, lazy_gettext as _l

PASSWORD_MIN = 10
PASSWORD_MAX = 128

# Fewer different characters than this ("aaaaaaaaaa", "1212121212") is not a password.
MIN_DISTINCT = 4

# Digits and punctuation people tack onto a common word to pass a length rule ("monkey123!").
_TRAILING = re.compile(r"[\d\W_]+$")


def _load_common() -> frozenset[str]:
    lines = (Path(__file__).with_name("common_passwords.txt")
             .read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("# "))


# Read once at import: about 8,000 short lines.
COMMON = _load_common()

COMMON_MESSAGE = _l(
    "That password is one of the most common ones, or a common one with numbers or symbols "
    "added, so it would be among the first guessed. Please choose another: a few unrelated "
    "words make a strong one that is easy to remember."
)


def password_problem(password: str, *names: str | None) -> str | None:
    """Why `password` can't be used (for the person choosing it), or None if it is fine.

    The password is checked exactly as typed: it is never stripped or normalised, here or
    when it is hashed and compared. Only the look-up in the common list ignores case.
    """
    if len(password) < PASSWORD_MIN:
        return _("Please use at least %(num)d characters.", num=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("Please use at most %(num)d characters.", num=PASSWORD_MAX)
    folded = password.lower()
    base = _TRAILING.sub("", folded)
    if folded in COMMON or (len(base) >= 4 and base in COMMON):
        return str(COMMON_MESSAGE)
    if len(set(folded)) < MIN_DISTINCT:
        return _("That password repeats too few characters to be hard to guess. Please "
                 "choose another.")
    if base and base in {_TRAILING.sub("", name.strip().lower()) for name in names if name}:
        return _("Your password must not be your login name or your handle. Please choose "
                 "another.")
    return None
