"""The one-time keys of the write forms that have no row of their own to carry one."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SubmissionKey(db.Model):
    """A form that was carried out: a second arrival of its key answers with `location`.

    `key_hash` is a digest of the sender's account (or "a visitor"), the form's address and
    the random key the form carried (forum/submission_keys.py): the row says neither who
    sent the form nor what it said, and no page reads this table. Pruned after a day.
    Posts and stories keep theirs on their own row (Post.submission_key)."""

    __tablename__ = "submission_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(32), index=True, unique=True)
    # Where the first answer sent the writer (a path on this site); None until that answer
    # was made, or if the process died between the commit and the answer.
    location: Mapped[Optional[str]] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(index=True)
