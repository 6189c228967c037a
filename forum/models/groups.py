"""The other names of a group: these organisations rename themselves and run fronts, and a
reader who knows only one of the names must still find the stories."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .content import Group

ALIAS = "alias"    # another name it goes by, or a front
FORMER = "former"  # a name it had before a moderator renamed it here
ALIAS_KINDS = (ALIAS, FORMER)


class GroupAlias(db.Model):
    """One more name for a group: typed into a story, or searched for, it leads to the group."""

    __tablename__ = "group_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name as a slug: what a typed name is matched by (forum/slugs.py).
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=ALIAS)
    created_at: Mapped[datetime]

    group: Mapped[Group] = relationship()
