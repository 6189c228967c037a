"""Circle boards: who a moderator has let in, letting someone in by their public name, and
taking them out again. The board changes the admin makes are worded here too, for the log.

A circle is kept by public handles only: a moderator names a person by the name on their
profile, and the circle page lists those names. A pseudonym is never a way in, so nobody
learns which account is behind one by trying it here.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import delete, select

from .. import permissions
from ..extensions import db
from ..models import PUBLIC, Board, BoardMember, Follow, Handle, Notification, Thread, User
from ..names import name_key
from .actions import ModerationError, NotAllowed, commit, record

# ModAction.action for a board; the audience follows a colon ("board_audience:circle").
BOARD_CREATE = "board_create"
BOARD_RENAME = "board_rename"
BOARD_DESCRIBE = "board_describe"
BOARD_MOVE = "board_move"  # ":up" or ":down"
BOARD_AUDIENCE = "board_audience"
BOARD_ARCHIVE, BOARD_UNARCHIVE = "board_archive", "board_unarchive"
CIRCLE_ADD, CIRCLE_REMOVE = "circle_add", "circle_remove"


class CircleMember(NamedTuple):
    """One person in a circle, as the circle page shows them: their public name only."""

    name: str
    granted_at: datetime


def members(board: Board) -> list[CircleMember]:
    """The circle of `board` by public name, in the order they were let in."""
    rows = db.session.execute(
        select(Handle.name, BoardMember.granted_at)
        .join(Handle, (Handle.user_id == BoardMember.user_id) & (Handle.kind == PUBLIC))
        .where(BoardMember.board_id == board.id)
        .order_by(BoardMember.granted_at, Handle.name)
    ).all()
    return [CircleMember(name, granted) for name, granted in rows]


def _public_owner(name: str) -> User | None:
    """The account whose public handle is exactly `name`; never found through a pseudonym."""
    handle = db.session.scalar(
        select(Handle).where(Handle.name_key == name_key(name), Handle.kind == PUBLIC,
                             Handle.name == name.strip(), Handle.user_id.is_not(None)))
    return handle.user if handle is not None else None


def add(moderator: User, board: Board, name: str, now: datetime) -> str:
    """Let the person whose public name is `name` into the circle; returns that name."""
    if not permissions.can_keep_circle(moderator, board):
        raise NotAllowed(_("Only moderators keep a circle, and only on a circle board."))
    user = _public_owner(name or "")
    if user is None:
        raise ModerationError(_("No member has that public name. A circle is kept by the "
                                "names on people's profiles, never by an anonymous name."))
    if db.session.get(BoardMember, (board.id, user.id)) is None:
        db.session.add(BoardMember(board_id=board.id, user_id=user.id, granted_at=now))
        record(moderator, CIRCLE_ADD, "", now, board=board)
    commit()
    return name.strip()


def remove(moderator: User, board: Board, name: str, now: datetime) -> None:
    """Take the person with public name `name` out of the circle: from now on the board is, to
    them, as if it did not exist, notifications included."""
    if not permissions.can_keep_circle(moderator, board):
        raise NotAllowed(_("Only moderators keep a circle, and only on a circle board."))
    user = _public_owner(name or "")
    if user is not None:
        gone = db.session.execute(delete(BoardMember).where(
            BoardMember.board_id == board.id, BoardMember.user_id == user.id)).rowcount
        if gone:
            # What they were told or follow there goes too: the pages already leave it out,
            # and so then does the daily digest's count.
            threads = select(Thread.id).where(Thread.board_id == board.id)
            for model in (Notification, Follow):
                db.session.execute(delete(model).where(model.user_id == user.id,
                                                       model.thread_id.in_(threads)))
            record(moderator, CIRCLE_REMOVE, "", now, board=board)
    commit()
