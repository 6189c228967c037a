"""The demo site's groups, boards, accounts, stories and threads, read from content.toml."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import NamedTuple

CONTENT_FILE = Path(__file__).with_name("content.toml")


class GroupText(NamedTuple):
    """A demo group: an organisation people left."""

    name: str
    description: str
    aliases: tuple[str, ...] = ()


class BoardText(NamedTuple):
    """A demo board, in the order the boards index lists them, with who may read it (and, for
    a circle board, the login names in its circle)."""

    name: str
    slug: str
    description: str
    audience: str = "public"
    circle: tuple[str, ...] = ()


class Account(NamedTuple):
    """A demo account; its login name is also its public handle."""

    login_name: str
    role: str
    joined_days_ago: float
    bio: str


class Note(NamedTuple):
    """One demo post: who writes it, how many hours after its parent, and its replies."""

    author: str
    hours: float
    body: str
    anonymous: bool = False
    replies: tuple[Note, ...] = ()


class ReportText(NamedTuple):
    """A demo report: who makes it, on a story (by title) or a post (by words of its text)."""

    by: str
    reason: str
    details: str
    story: str = ""
    quote: str = ""


class StoryText(NamedTuple):
    """A demo story and the comments under it."""

    author: str
    days_ago: float
    anonymous: bool
    title: str
    summary: str
    groups: tuple[str, ...]
    warnings: tuple[str, ...]
    body: str
    comments: tuple[Note, ...]
    # Quiet support under it (a kind -> the login names who pressed it), and the login names
    # who said "I lived this too" (forum/reactions/).
    support: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lived: tuple[str, ...] = ()


class ThreadText(NamedTuple):
    """A demo board thread: its first post and the replies under it."""

    board: str
    author: str
    days_ago: float
    anonymous: bool
    title: str
    body: str
    replies: tuple[Note, ...]


def _notes(tables: list[dict]) -> tuple[Note, ...]:
    """Read a tree of comments or replies, keeping the file's order."""
    return tuple(Note(author=t["author"], hours=t["hours"], body=t["body"],
                      anonymous=t.get("anonymous", False), replies=_notes(t.get("replies", [])))
                 for t in tables)


with CONTENT_FILE.open("rb") as _file:
    _data = tomllib.load(_file)

DEMO_PASSWORD: str = _data["password"]
GROUPS = tuple(GroupText(**{**group, "aliases": tuple(group.get("aliases", ()))})
               for group in _data["groups"])
BOARDS = tuple(BoardText(**{**board, "circle": tuple(board.get("circle", ()))})
               for board in _data["boards"])
USERS = tuple(Account(**account) for account in _data["accounts"])
STORIES = tuple(
    StoryText(**{**story, "groups": tuple(story["groups"]), "warnings": tuple(story["warnings"]),
                 "comments": _notes(story.get("comments", [])),
                 "support": tuple((kind, tuple(names))
                                  for kind, names in story.get("support", {}).items()),
                 "lived": tuple(story.get("lived", ()))})
    for story in _data["stories"]
)
class ContactText(NamedTuple):
    """A demo message to the moderators: from a member (`by`), or from a visitor ("")."""

    by: str
    body: str


class WaitingText(NamedTuple):
    """A demo reply from a new member that waits for a moderator: in the thread titled
    `thread`, answering the post containing `quote`."""

    by: str
    thread: str
    quote: str
    body: str
    anonymous: bool = False


CONTACTS = tuple(ContactText(**message) for message in _data.get("contact", []))
WAITING = tuple(WaitingText(**waiting) for waiting in _data.get("waiting", []))
REPORTS = tuple(ReportText(**report) for report in _data.get("reports", []))
THREADS = tuple(ThreadText(**{**thread, "replies": _notes(thread.get("replies", []))})
                for thread in _data["threads"])


class RegistrationText(NamedTuple):
    """A demo registration waiting for a moderator's approval, with its answer."""

    login_name: str
    joined_days_ago: int
    reason: str


class InvitationText(NamedTuple):
    """A demo invitation code, made by `by` (a moderator)."""

    by: str


PENDING_REGISTRATIONS = tuple(RegistrationText(**r)
                              for r in _data.get("pending_registrations", []))
INVITATIONS = tuple(InvitationText(**i) for i in _data.get("invitations", []))
