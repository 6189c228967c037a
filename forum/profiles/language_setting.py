"""A member's own language: the one the site speaks to them, or None to follow the browser."""
from __future__ import annotations

from ..extensions import db
from ..i18n import LANGUAGES
from ..models import User


def save(user: User, code: str | None) -> None:
    """Speak to this member in `code` from now on, on any device they log in on; None
    follows whatever their browser asks for. A code the site does not speak is a ValueError."""
    if code is not None and code not in LANGUAGES:
        raise ValueError(f"not a language of the site: {code!r}")
    user.language = code
    db.session.commit()
