"""Which name a writer appears under: where the site keeps its promise that no member or
moderator can tell who writes under a pseudonym (and forum/admin/service.py, when two
administrators may).

A writer speaks under their public handle, or under a pseudonym of their own in one thread:
the same pseudonym for every post they write there, and never one they use anywhere else.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import false, select

from ..extensions import db
from ..models import ANONYMOUS, Handle, Thread, User
from ..names import name_key, pseudonym


def handle_for(user: User, thread: Thread | None, anonymous: bool, now: datetime) -> Handle:
    """The name `user` speaks under in `thread`: their public handle, or their pseudonym there."""
    if not anonymous:
        return user.public_handle
    if thread is not None and thread.id is not None:
        existing = db.session.scalar(
            select(Handle).where(Handle.thread_id == thread.id, Handle.user_id == user.id)
        )
        if existing:
            return existing
        here = Handle.thread_id == thread.id
    else:
        here = false()
    # Unique in this thread, and never one of the writer's names elsewhere: the same name in
    # two threads would invite readers to link them.
    mine = (Handle.user_id == user.id) & (Handle.kind == ANONYMOUS)
    taken = set(db.session.scalars(select(Handle.name_key).where(here | mine)))
    name = pseudonym(taken)
    handle = Handle(
        user_id=user.id, name=name, name_key=name_key(name), kind=ANONYMOUS,
        thread_id=thread.id if thread is not None else None, created_at=now,
    )
    db.session.add(handle)
    return handle
