"""Fill an empty site with the demo content, written through the posting path like any post."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from .. import ratelimit, site_settings
from ..auth import invitations
from ..auth.service import register
from ..extensions import db
from ..models import Board, BoardMember, Group, GroupAlias, Post, Story, Thread, User
from ..models.groups import ALIAS
from ..slugs import slugify
from ..models.accounts import PENDING
from ..posting import replies, reports, review, stories
from ..reactions import service as reactions
from ..contact import service as contact
from .content import (BOARDS, CONTACTS, DEMO_PASSWORD, GROUPS, INVITATIONS, PENDING_REGISTRATIONS,
                      REPORTS, STORIES, THREADS, USERS, WAITING, Note)


class NoTables(Exception):
    """The database has no tables yet: migrations have not been run."""


class Seeded(NamedTuple):
    """How much demo content was written."""

    groups: int
    boards: int
    accounts: int
    stories: int
    posts: int
    # The demo invitation codes (shown once, by seed-demo; the database keeps their hashes).
    invitation_codes: tuple[str, ...] = ()


def has_content() -> bool:
    """Tell whether anyone or anything is already stored."""
    try:
        return any(
            db.session.scalar(select(model.id).limit(1)) is not None
            for model in (User, Group, Board, Thread, Story)
        )
    except (OperationalError, ProgrammingError) as error:
        db.session.rollback()
        raise NoTables() from error


def _schedule(notes: tuple[Note, ...], start: datetime, parent_key=None, out=None) -> list:
    """Flatten a reply tree into (time, key, parent key, note), children after parents."""
    out = [] if out is None else out
    for note in notes:
        when = start + timedelta(hours=note.hours)
        key = len(out)
        out.append((when, key, parent_key, note))
        _schedule(note.replies, when, key, out)
    return out


def _post_tree(people: dict, thread: Thread, notes: tuple[Note, ...], start: datetime,
               now: datetime) -> None:
    """Write a reply tree through the posting service, oldest post first, in the past."""
    made = {None: None}
    latest = now - timedelta(minutes=5)
    for when, key, parent_key, note in sorted(_schedule(notes, start), key=lambda s: s[:2]):
        made[key] = replies.reply(people[note.author], thread, made[parent_key], note.body,
                                  anonymous=note.anonymous, now=min(when, latest)).post


def _write(now: datetime) -> tuple[str, ...]:
    """Write the demo groups, boards, accounts, stories and threads, a registration waiting
    for approval and invitation codes, dated before `now`; returns the codes."""
    for group in GROUPS:
        made = Group(name=group.name, slug=slugify(group.name), description=group.description,
                     created_at=now - timedelta(days=64))
        db.session.add(made)
        db.session.flush()
        for alias in group.aliases:
            db.session.add(GroupAlias(group_id=made.id, name=alias, slug=slugify(alias),
                                      kind=ALIAS, created_at=now - timedelta(days=64)))
    boards = {}
    for position, board in enumerate(BOARDS):
        boards[board.slug] = Board(name=board.name, slug=board.slug, audience=board.audience,
                                   description=board.description, position=position)
        db.session.add(boards[board.slug])
    db.session.commit()

    # The demo's past: its members' writing was approved long ago.
    with review.lifted():
        people = _write_past(boards, now)

    for spec in WAITING:
        # Written now, under new-member review: it waits in the moderators' review queue
        # (unless the site has review turned off).
        parent = db.session.scalar(select(Post).join(Thread, Post.thread_id == Thread.id).where(
            Thread.title == spec.thread, Post.body.contains(spec.quote)))
        replies.reply(people[spec.by], parent.thread, parent, " ".join(spec.body.split()),
                      anonymous=spec.anonymous, now=now - timedelta(minutes=20))

    for spec in PENDING_REGISTRATIONS:
        user = register(login_name=spec.login_name, handle=spec.login_name,
                        password=DEMO_PASSWORD, email=None, mode=site_settings.OPEN,
                        now=now - timedelta(days=spec.joined_days_ago))
        user.approval_state, user.join_reason = PENDING, " ".join(spec.reason.split())
    db.session.commit()
    return tuple(invitations.make(people[spec.by], True, now)[0] for spec in INVITATIONS)


def _write_past(boards: dict, now: datetime) -> dict:
    """The accounts, stories, threads, reports and messages; returns the accounts by login."""
    people = {}
    for account in USERS:
        user = register(login_name=account.login_name, handle=account.login_name,
                        password=DEMO_PASSWORD, email=None, mode=site_settings.OPEN,
                        now=now - timedelta(days=account.joined_days_ago))
        user.role, user.bio = account.role, account.bio
        people[account.login_name] = user
    db.session.commit()
    for board in BOARDS:
        for login_name in board.circle:
            db.session.add(BoardMember(board_id=boards[board.slug].id,
                                       user_id=people[login_name].id,
                                       granted_at=now - timedelta(days=10)))
    db.session.commit()

    for spec in STORIES:
        published = now - timedelta(days=spec.days_ago)
        story = stories.create_story(
            people[spec.author], title=spec.title, summary=spec.summary, body=spec.body,
            warnings=list(spec.warnings), group_names=list(spec.groups),
            anonymous=spec.anonymous, now=published,
        )
        _post_tree(people, story.thread, spec.comments, published, now)
        for kind, names in spec.support:
            for login_name in names:
                reactions.react_to_story(people[login_name], story, kind, True, now)
        for login_name in spec.lived:
            reactions.say_lived_this(people[login_name], story, True, now)

    for spec in THREADS:
        started = now - timedelta(days=spec.days_ago)
        thread = replies.create_thread(
            people[spec.author], boards[spec.board], title=spec.title, body=spec.body,
            anonymous=spec.anonymous, now=started,
        )
        _post_tree(people, thread, spec.replies, started, now)

    for spec in REPORTS:
        target = ({"story": db.session.scalar(select(Story).where(Story.title == spec.story))}
                  if spec.story else
                  {"post": db.session.scalar(select(Post).where(Post.body.contains(spec.quote)))})
        reports.report(people[spec.by], reason=spec.reason, details=spec.details, now=now,
                       **target)

    for spec in CONTACTS:
        writer = people.get(spec.by)
        contact.start(writer, writer.public_handle.id if writer else None,
                      " ".join(spec.body.split()), now)
    return people


def seed(now: datetime) -> Seeded:
    """Write the whole demo site, dated before `now`, and say how much was written."""
    try:
        # An administrator's command, not a client: eight sign-ups and dozens of posts in a
        # second would otherwise hit the registration and posting limits.
        with ratelimit.lifted():
            codes = _write(now)
    except Exception:
        # The posting service commits each write, so a failure leaves part of the demo behind.
        db.session.rollback()
        raise
    return Seeded(groups=len(GROUPS), boards=len(BOARDS), accounts=len(USERS),
                  stories=db.session.scalar(select(func.count(Story.id))),
                  posts=db.session.scalar(select(func.count(Post.id))),
                  invitation_codes=codes)
