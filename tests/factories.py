"""Plain factory functions that build rows directly, for tests that need lots of content."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import PUBLIC, Board, Group, Handle, User
from forum.names import name_key
from forum.posting import replies, stories
from forum.slugs import slugify

_seq = count(1)
PASSWORD = "correct horse battery"


def make_user(login_name=None, handle=None, role="member", password=PASSWORD,
              created_at: datetime | None = None, **kw) -> User:
    n = next(_seq)
    login_name = login_name or f"user{n}"
    handle = handle or f"Member {n}"
    user = User(login_name=login_name, role=role, bio="", created_at=created_at or utcnow(), **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.add(Handle(user=user, name=handle, name_key=name_key(handle), kind=PUBLIC,
                          created_at=user.created_at))
    db.session.commit()
    return user


def make_board(name="General", slug=None, position=0, audience="public", archived=False) -> Board:
    board = Board(name=name, slug=slug or name.lower().replace(" ", "-"),
                  description=f"About {name}", position=position, audience=audience,
                  archived=archived)
    db.session.add(board)
    db.session.commit()
    return board


def make_story(author, title="What I left behind", body="It began with a meeting.", **kw):
    """A story through the posting path; the groups it names are made accepted first (a
    member's new name would wait for a moderator: tests/test_groups.py covers that)."""
    for name in kw.get("group_names", []):
        slug = slugify(name)
        if name.strip() and db.session.scalar(select(Group.id).where(Group.slug == slug)) is None:
            db.session.add(Group(name=name.strip(), slug=slug, description="",
                                 created_at=kw.get("now") or utcnow()))
            db.session.commit()
    kw.setdefault("summary", "")
    kw.setdefault("warnings", [])
    kw.setdefault("group_names", [])
    kw.setdefault("anonymous", False)
    kw.setdefault("now", utcnow())
    return stories.create_story(author, title=title, body=body, **kw)


def make_thread(author, board, title="Coming out of it", body="Where do I start?", **kw):
    kw.setdefault("anonymous", False)
    kw.setdefault("now", utcnow())
    return replies.create_thread(author, board, title=title, body=body, **kw)


def make_reply(author, thread, parent=None, body="I hear you.", **kw):
    kw.setdefault("anonymous", False)
    kw.setdefault("now", utcnow())
    return replies.reply(author, thread, parent, body, **kw).post


class Clock:
    """A "now" moved by hand: patched in for a module's utcnow, it lets a test jump ahead."""

    def __init__(self, start: datetime | None = None):
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def same_for_anyone(body: str) -> str:
    """A page without what differs on every showing or names the page itself: its form
    tokens and one-time keys, and its own address, which the language switcher names to
    come back to (the reader typed it, so it tells them nothing). Two such pages being equal
    says a hidden thing answers exactly as a missing one."""
    body = re.sub(r'(name="(?:csrf_token|once|next)"[^>]*value=")[^"]+', r"\1", body)
    return re.sub(r"([?&;]next=)[^\"&]+", r"\1", body)
