"""Unmasking: two administrators must agree before one of them sees who is behind a pseudonym.

One administrator asks, naming the anonymous post and the kind of reason (a threat to
someone's safety, or a legal demand) and explaining it. Another administrator approves or
refuses; neither can do both. Only after approval does the one who asked see the answer,
once, and never the one who approved. Every request stays in the private audit log, and
every approved one is counted, by day and kind, on the public transparency page.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from .. import permissions
from ..models import PUBLIC, Handle, Post, Story, Thread, Unmasking, User
from ..models.moderation import APPROVED, ASKED, REFUSED, UNMASK_KINDS
from ..public_ids import PATTERN as PUBLIC_ID
from ..refusals import Refusal

REASON_MIN = 10
# An approval not used within this long lapses: a look needed so urgently is taken at once.
APPROVAL_LASTS = timedelta(days=7)
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


def ask(admin: User, address: str, kind: str, reason: str, now: datetime) -> Unmasking:
    """Record an administrator's request to look behind the anonymous name at `address`."""
    if not permissions.can_unmask(admin):
        raise PermissionError("Only administrators can ask to unmask.")
    reason = (reason or "").strip()
    if kind not in UNMASK_KINDS:
        raise UnmaskError("kind", _("Please choose the kind of reason."))
    if len(reason) < REASON_MIN:
        raise UnmaskError("reason", _("Please give a reason of at least %(num)d characters.",
                                         num=REASON_MIN))
    handle = handle_at(address)
    if handle is None:
        raise UnmaskError("address", _("Nothing was found at that address."))
    if not handle.is_anonymous:
        raise UnmaskError("address",
                          _("That was written under a public handle, not anonymously."))
    waiting = db.session.scalar(select(Unmasking.id).where(
        Unmasking.admin_id == admin.id, Unmasking.handle_id == handle.id,
        Unmasking.state == ASKED))
    if waiting is not None:
        raise UnmaskError("address", _("You have already asked about this name, and no other "
                                       "administrator has answered yet."))
    request = Unmasking(admin_id=admin.id, handle_id=handle.id, kind=kind, reason=reason,
                        created_at=now, state=ASKED)
    db.session.add(request)
    db.session.commit()
    return request


def _request(unmasking_id: int) -> Unmasking:
    request = db.session.get(Unmasking, unmasking_id)
    if request is None:
        raise LookupError(unmasking_id)
    return request


def decide(admin: User, unmasking_id: int, approve: bool, now: datetime) -> Unmasking:
    """A second administrator approves or refuses a request; the one who asked cannot."""
    request = _request(unmasking_id)
    if not permissions.can_unmask(admin):
        raise PermissionError("Only administrators can decide on unmasking.")
    if request.admin_id == admin.id:
        raise UnmaskError("decision", _("You asked for this look-up, so another "
                                        "administrator must decide on it."))
    if request.state != ASKED:
        raise UnmaskError("decision", _("This request has already been decided."))
    request.state = APPROVED if approve else REFUSED
    request.decided_by_id = admin.id
    request.decided_at = now
    db.session.commit()
    return request


def reveal(admin: User, unmasking_id: int, now: datetime) -> Unmasked:
    """Show the administrator who asked, once, the public handle behind an approved request."""
    request = _request(unmasking_id)
    if not permissions.can_unmask(admin) or request.admin_id != admin.id:
        raise UnmaskError("decision", _("Only the administrator who asked sees the answer."))
    if request.state != APPROVED:
        raise UnmaskError("decision",
                          _("Another administrator has to approve this request first."))
    if request.shown_at is not None:
        raise UnmaskError("decision", _("The answer was shown once already. To look again, "
                                        "ask again."))
    if request.decided_at + APPROVAL_LASTS < now:
        raise UnmaskError("decision", _("This approval has lapsed. To look now, ask again."))
    # Written before the answer is read: the log holds every look, even one that fails.
    request.shown_at = now
    db.session.commit()
    handle = request.handle
    public = db.session.scalar(
        select(Handle).where(Handle.user_id == handle.user_id, Handle.kind == PUBLIC)
    ) if handle.user_id is not None else None
    return Unmasked(handle.name, _thread_title(handle), public.name if public else None)


def _thread_title(handle: Handle) -> str:
    return db.session.scalar(select(Thread.title).where(Thread.id == handle.thread_id)) or ""


def audit_log():
    """Every request, newest first: who asked, about which pseudonym in which thread, who
    decided. Rows: (Unmasking, pseudonym, thread title, asker's handle, decider's handle)."""
    asker, decider = aliased(Handle), aliased(Handle)
    return (
        select(Unmasking, Handle.name, Thread.title, asker.name, decider.name)
        .join(Handle, Unmasking.handle_id == Handle.id)
        .outerjoin(Thread, Thread.id == Handle.thread_id)
        .outerjoin(asker, (asker.user_id == Unmasking.admin_id) & (asker.kind == PUBLIC))
        .outerjoin(decider, (decider.user_id == Unmasking.decided_by_id)
                   & (decider.kind == PUBLIC))
        .order_by(Unmasking.created_at.desc(), Unmasking.id.desc())
    )


class Transparency(NamedTuple):
    """What the public page says: each approved unmasking's day and kind, and how many
    requests were refused or are waiting. Never whom, never which thread."""

    approved: list[tuple[datetime, str]]
    refused: int
    waiting: int


def transparency() -> Transparency:
    approved = db.session.execute(
        select(Unmasking.decided_at, Unmasking.kind).where(Unmasking.state == APPROVED)
        .order_by(Unmasking.decided_at.desc(), Unmasking.id.desc())).all()
    counts = dict(db.session.execute(
        select(Unmasking.state, func.count()).where(Unmasking.state != APPROVED)
        .group_by(Unmasking.state)).all())
    return Transparency([(at, kind) for at, kind in approved], counts.get(REFUSED, 0),
                        counts.get(ASKED, 0))
