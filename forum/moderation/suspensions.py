"""Suspensions, and what a moderator may know about an author: facts about a name, never an account.

When an action reaches the account (suspending the author), the account is resolved here, inside
the service, and nothing it returns, logs or shows names that account or its public handle.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from flask import url_for
from flask_babel import format_date, format_datetime, format_number, gettext as _, ngettext
from sqlalchemy import func, or_, select

from .. import permissions
from ..extensions import db
from ..models import Handle, Post, Report, Story, Suspension, Thread, User
from ..models.moderation import ACTIONED
from .actions import (
    SUSPEND,
    UNSUSPEND,
    ModerationError,
    NotAllowed,
    clean_reason,
    commit,
    log_target,
    record,
    resolve_reports,
    tell_author,
)

# A permanent suspension ends after the last representable year; suspension_words says
# "permanently" for any date in year 9999.
PERMANENT = datetime(9999, 12, 31)
MAX_SUSPENSION_DAYS = 3650
# How the log line of a permanent suspension records its length: "suspend:permanent".
PERMANENT_LENGTH = "permanent"


def suspension_words(until: datetime, *, precise: bool = False) -> str:
    """How long a suspension lasts, in words: "permanently", or "until" its day (and time)."""
    if until.year >= PERMANENT.year:
        return _("permanently")
    # The time is UTC and stays UTC (rebase=False): the words say so.
    if precise:
        # Translators: a CLDR date and time pattern, e.g. "d. MMMM y, HH:mm"
        # ("5 March 2026, 14:30" in English).
        when = format_datetime(until, _("d MMMM y, HH:mm"), rebase=False)
        return _("until %(when)s UTC", when=when)
    # Translators: a CLDR date pattern, e.g. "d. MMMM y" or "d 'de' MMMM 'de' y"
    # ("5 March 2026" in English).
    pattern = _("d MMMM y")
    return _("until %(day)s", day=format_date(until, pattern, rebase=False))


def logged_length_words(length: str) -> str:
    """How long a suspension was given for, as the log says it: "permanently", "for 7 days"."""
    if length == PERMANENT_LENGTH:
        return _("permanently")
    if not length.isdigit():  # a log line from before lengths were recorded this way
        return ""
    return ngettext("for %(num)d day", "for %(num)d days", int(length))


def _author_of(moderator: User, item: Post | Story) -> User:
    """The account behind a post or story, for this service's eyes only."""
    author = item.handle.user
    if author is None and item.handle.is_imported:
        raise ModerationError(_("This was written on a blog before it was imported here, by "
                                "no account of this site: there is nobody to suspend. Hide it "
                                "instead."))
    if author is None:
        raise ModerationError(_("The account that wrote this no longer exists."))
    if author.id == moderator.id:
        raise ModerationError(_("You cannot suspend yourself."))
    return author


def _settle(user: User, now: datetime) -> None:
    """Sum up the account's suspensions in force: the longest one stops it from writing."""
    db.session.flush()
    longest = db.session.scalar(
        select(Suspension).where(Suspension.user_id == user.id, Suspension.lifted_at.is_(None),
                                 Suspension.until > now)
        .order_by(Suspension.until.desc(), Suspension.id.desc()).limit(1))
    user.suspended_until = longest.until if longest else None
    user.suspension_reason = longest.reason if longest else None


def suspend_author(moderator: User, item: Post | Story, *, days: int | None, reason: str,
                   now: datetime) -> datetime:
    """Stop the author of a post or story from writing for `days` (None: permanently).

    The suspension is applied through the item's name: moderators see it on that name only,
    and the log line names the post or story, never a handle.
    """
    if not permissions.can_suspend(moderator):
        raise NotAllowed(_("Only moderators can suspend an account."))
    reason = clean_reason(reason, required=True)
    if days is not None and not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ModerationError(
            _("Choose between 1 and %(most)s days, or a permanent suspension.",
              most=format_number(MAX_SUSPENSION_DAYS)))
    author = _author_of(moderator, item)
    if _suspensions_through(item.handle_id, now):
        raise ModerationError(_("This name is suspended already."))
    until = PERMANENT if days is None else now + timedelta(days=days)
    db.session.add(Suspension(user_id=author.id, handle_id=item.handle_id,
                              moderator_id=moderator.id, until=until, reason=reason,
                              created_at=now))
    _settle(author, now)
    action = f"{SUSPEND}:{PERMANENT_LENGTH if days is None else days}"
    record(moderator, action, reason, now, **log_target(item))
    resolve_reports(moderator, item, ACTIONED, now)
    tell_author(item, "your account is suspended because of this", reason, now)
    commit()
    return until


def lift_suspension(moderator: User, item: Post | Story, *, reason: str, now: datetime) -> None:
    """Let the author of a post or story write again, ending what was applied through its name.

    A suspension applied through another of the account's names stays: this name was never
    told of it, and lifting it from here would tie the two names together.
    """
    if not permissions.can_suspend(moderator):
        raise NotAllowed(_("Only moderators can lift a suspension."))
    reason = clean_reason(reason, required=False)
    suspensions = _suspensions_through(item.handle_id, now)
    if not suspensions:
        raise ModerationError(_("This name is not suspended."))
    for suspension in suspensions:
        suspension.lifted_at = now
    author = item.handle.user
    if author is not None:
        _settle(author, now)
    record(moderator, UNSUSPEND, reason, now, **log_target(item))
    commit()


def _suspensions_through(handle_id: int, now: datetime) -> list[Suspension]:
    """The suspensions in force that were applied through this one name."""
    return list(db.session.scalars(
        select(Suspension).where(Suspension.handle_id == handle_id,
                                 Suspension.lifted_at.is_(None), Suspension.until > now)))


class NameFacts(NamedTuple):
    """What a moderator may know about the author of an item: facts about its name only."""

    handle: Handle
    suspended_until: datetime | None  # a suspension applied through this very name
    reported: list[tuple[str, str]]  # (words, moderation link) of this name's other reported items


def name_facts(handles: list[Handle], now: datetime) -> dict[int, NameFacts]:
    """Facts about each of these names, keyed by handle id, in two queries for any number.

    The one source of everything a moderation page says about an author. It reads rows that
    point at the handle (suspensions applied through it, reports on its writing) and never
    the account behind it: that is how a moderator is kept from linking a pseudonym to its
    account or to the account's other names.
    """
    ids = {handle.id for handle in handles}
    if not ids:
        return {}
    until = dict(db.session.execute(
        select(Suspension.handle_id, func.max(Suspension.until))
        .where(Suspension.handle_id.in_(ids), Suspension.lifted_at.is_(None),
               Suspension.until > now)
        .group_by(Suspension.handle_id)).all())
    reported: dict[int, list[tuple[str, str]]] = {}
    rows = db.session.execute(
        select(Post.handle_id, Post.public_id, Thread.title, Story.handle_id, Story.id,
               Story.slug, Story.title)
        .select_from(Report)
        .outerjoin(Post, Report.post_id == Post.id).outerjoin(Thread, Post.thread_id == Thread.id)
        .outerjoin(Story, Report.story_id == Story.id)
        .where(or_(Post.handle_id.in_(ids), Story.handle_id.in_(ids)))
        .distinct().order_by(Post.public_id, Story.id)).all()
    for post_handle, post_id, thread_title, story_handle, _story_id, slug, story_title in rows:
        if post_id is not None:
            item = (_("A post in “%(title)s”", title=thread_title),
                    url_for("moderation.post", post_id=post_id))
        else:
            item = (_("The story “%(title)s”", title=story_title),
                    url_for("moderation.story", slug=slug))
        reported.setdefault(post_handle or story_handle, []).append(item)
    return {handle.id: NameFacts(handle, until.get(handle.id), reported.get(handle.id, []))
            for handle in handles}


def facts_about_authors(items: list[Post | Story], now: datetime) -> list[NameFacts]:
    """For each reported item, the facts about its author's name, less the item's own report."""
    facts = name_facts([item.handle for item in items], now)
    result = []
    for item in items:
        own = _review_link(item)
        author = facts[item.handle_id]
        result.append(author._replace(reported=[r for r in author.reported if r[1] != own]))
    return result


def _review_link(item: Post | Story) -> str:
    if isinstance(item, Post):
        return url_for("moderation.post", post_id=item.public_id)
    return url_for("moderation.story", slug=item.slug)


def suspension_of(user, now: datetime) -> tuple[datetime, str] | None:
    """(until, reason) while `user` is suspended, for the notice at the top of every page."""
    if not (user and user.is_authenticated and user.is_suspended(now)):
        return None
    return user.suspended_until, user.suspension_reason or ""

