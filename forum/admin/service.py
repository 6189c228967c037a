"""Unmasking: an admin looks up the account behind an anonymous name, and it is always logged."""
from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import PUBLIC, Handle, Post, Story, Thread, Unmasking, User
from ..permissions import can_unmask
from ..public_ids import PATTERN as PUBLIC_ID
from ..refusals import Refusal

REASON_MIN = 10
# A public id, or the row id of an address from before public ids.
_KEY = rf"({PUBLIC_ID}|\d{{1,9}})"


class UnmaskError(Refusal):
    """Why nothing could be looked up; shown beside the form."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)


class Unmasked(NamedTuple):
    """What the admin learns: the pseudonym, where it speaks, and the public handle behind it."""

    pseudonym: str
    thread_title: str
    public_name: str | None  # None when the account was deleted: nothing links it any more


def _post_named(key: str) -> Post | None:
    """A post by public id, or by row id if it existed before public ids (as its old
    addresses did): the same rule as the site's own addresses."""
    if key.isdigit():
        return db.session.scalar(select(Post).where(Post.id == int(key),
                                                    Post.has_legacy_url.is_(True)))
    return db.session.scalar(select(Post).where(Post.public_id == key))


def _thread_named(key: str) -> Thread | None:
    if key.isdigit():
        return db.session.scalar(select(Thread).where(Thread.id == int(key),
                                                      Thread.has_legacy_url.is_(True)))
    return db.session.scalar(select(Thread).where(Thread.public_id == key))


def handle_at(address: str) -> Handle | None:
    """The name shown on the post, thread or story at `address` (a path, URL or post id)."""
    parts = urlsplit(address.strip())
    path = parts.path.rstrip("/")
    if match := re.fullmatch(r"p" + _KEY, parts.fragment):
        post = _post_named(match[1])
    elif match := re.fullmatch(r"(?:.*/posts/)?" + _KEY, path):
        post = _post_named(match[1])
    elif match := re.fullmatch(r".*/threads/" + _KEY, path):
        thread = _thread_named(match[1])
        return thread.handle if thread else None
    elif match := re.fullmatch(r".*/stories/([^/]+)", path):
        story = db.session.scalar(select(Story).where(Story.slug == match[1]))
        return story.handle if story else None
    else:
        return None
    return post.handle if post else None


def unmask(admin: User, address: str, reason: str, now: datetime) -> Unmasked:
    """Tell an admin whose anonymous name this is, writing the look-up to the audit log first."""
    if not can_unmask(admin):
        raise PermissionError("Only administrators can unmask.")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise UnmaskError("reason", f"Please give a reason of at least {REASON_MIN} characters.")
    handle = handle_at(address)
    if handle is None:
        raise UnmaskError("address", "Nothing was found at that address.")
    if not handle.is_anonymous:
        raise UnmaskError("address", "That was written under a public handle, not anonymously.")
    # Logged even when the account is gone: the attempt to look is what the log is for.
    db.session.add(Unmasking(admin_id=admin.id, handle_id=handle.id, reason=reason,
                             created_at=now))
    db.session.commit()
    public = db.session.scalar(
        select(Handle).where(Handle.user_id == handle.user_id, Handle.kind == PUBLIC)
    ) if handle.user_id is not None else None
    return Unmasked(handle.name, _thread_title(handle), public.name if public else None)


def _thread_title(handle: Handle) -> str:
    return db.session.scalar(select(Thread.title).where(Thread.id == handle.thread_id)) or ""


def audit_log():
    """Every unmasking, newest first: the admin's public handle, the pseudonym, its thread."""
    admin_handle = aliased(Handle)
    return (
        select(Unmasking, Handle.name, Thread.title, admin_handle.name)
        .join(Handle, Unmasking.handle_id == Handle.id)
        .outerjoin(Thread, Thread.id == Handle.thread_id)
        .outerjoin(admin_handle, (admin_handle.user_id == Unmasking.admin_id)
                   & (admin_handle.kind == PUBLIC))
        .order_by(Unmasking.created_at.desc(), Unmasking.id.desc())
    )
