"""The admin's boards: make one, rename it, describe it, move it up or down the list, choose
who may read it, archive it. Every change is a line in the public moderation log, worded
there so that a board that is not public is never named to those who may not read it.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_number, gettext as _, ngettext, pgettext
from sqlalchemy import func, select

from .. import permissions, text
from ..extensions import db
from ..models import AUDIENCE_PUBLIC, AUDIENCES, Board, User
from ..moderation.actions import commit, record
from ..moderation.circles import (
    BOARD_ARCHIVE,
    BOARD_AUDIENCE,
    BOARD_CREATE,
    BOARD_DESCRIBE,
    BOARD_MOVE,
    BOARD_RENAME,
    BOARD_UNARCHIVE,
)
from ..slugs import slugify
from ..refusals import Refusal

NAME_MAX = 120
DESCRIPTION_MAX = 2000
# Addresses under /boards/ that a board's slug must never take.
RESERVED_SLUGS = {"new"}


class BoardError(Refusal):
    """A board change that was refused; shown beside the field it is about."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message, field=field, status=status)


def all_boards():
    """Every board, in the order readers see them, archived ones included."""
    return select(Board).order_by(Board.position, Board.name)


def _check(admin: User) -> None:
    if not permissions.can_manage_boards(admin):
        raise BoardError("name", _("Only administrators change boards."), 403)


def _clean_name(name: str | None, board: Board | None = None) -> str:
    name = text.normalise(name, strip=True)
    if not name:
        raise BoardError("name", _("Please give the board a name."))
    if len(name) > NAME_MAX:
        raise BoardError("name", ngettext("That name is %(num)d character; the limit is %(max)d.",
                                          "That name is %(num)d characters; the limit is %(max)d.",
                                          len(name), max=NAME_MAX))
    taken = db.session.scalar(select(Board.id).where(func.lower(Board.name) == name.lower()))
    if taken is not None and (board is None or taken != board.id):
        raise BoardError("name", _("Another board already has that name."))
    return name


def _clean_description(description: str | None) -> str:
    description = text.normalise(description, strip=True)
    if len(description) > DESCRIPTION_MAX:
        raise BoardError("description", ngettext(
            "That description is %(num)s character; the limit is %(max)s.",
            "That description is %(num)s characters; the limit is %(max)s.",
            len(description), num=format_number(len(description)),
            max=format_number(DESCRIPTION_MAX)))
    return description


def _clean_audience(audience: str | None) -> str:
    if audience not in AUDIENCES:
        raise BoardError("audience", _("Please choose who may read the board."))
    return audience


def _unique_slug(name: str) -> str:
    """An address for a new board from its name, not yet taken by another."""
    base = slugify(name)
    taken = set(db.session.scalars(select(Board.slug).where(
        (Board.slug == base) | Board.slug.like(f"{base}-%")))) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create(admin: User, *, name: str, description: str, audience: str, now: datetime) -> Board:
    """Make a board, last in the list, with the audience chosen."""
    _check(admin)
    name = _clean_name(name)
    board = Board(name=name, slug=_unique_slug(name), description=_clean_description(description),
                  audience=_clean_audience(audience),
                  position=(db.session.scalar(select(func.max(Board.position))) or 0) + 1)
    db.session.add(board)
    db.session.flush()
    record(admin, BOARD_CREATE, "", now, board=board)
    if board.audience != AUDIENCE_PUBLIC:
        record(admin, f"{BOARD_AUDIENCE}:{board.audience}", "", now, board=board)
    commit()
    return board


def update(admin: User, board: Board, *, name: str, description: str, audience: str,
           now: datetime) -> list[str]:
    """Rename, describe and set the audience of a board; one log line per thing changed.
    Returns what changed, in words for the admin (in the page's language). The address (slug) stays: links to the
    board keep working after a rename."""
    _check(admin)
    name = _clean_name(name, board)
    description = _clean_description(description)
    audience = _clean_audience(audience)
    changed = []
    if name != board.name:
        board.name = name
        record(admin, BOARD_RENAME, "", now, board=board)
        changed.append(pgettext("what changed about a board", "name"))
    if description != board.description:
        board.description = description
        record(admin, BOARD_DESCRIBE, "", now, board=board)
        changed.append(pgettext("what changed about a board", "description"))
    if audience != board.audience:
        board.audience = audience
        record(admin, f"{BOARD_AUDIENCE}:{audience}", "", now, board=board)
        changed.append(pgettext("what changed about a board", "who may read it"))
    commit()
    return changed


def move(admin: User, board: Board, direction: str, now: datetime) -> None:
    """Swap a board with the one above ("up") or below ("down") it in the list."""
    _check(admin)
    if direction not in ("up", "down"):
        raise BoardError("name", _("A board moves up or down."))
    boards = list(db.session.scalars(all_boards()))
    # Positions renumbered first: boards made before this page may all share position 0.
    for position, each in enumerate(boards):
        each.position = position
    at = boards.index(board)
    other = at - 1 if direction == "up" else at + 1
    if 0 <= other < len(boards):
        board.position, boards[other].position = boards[other].position, board.position
        record(admin, f"{BOARD_MOVE}:{direction}", "", now, board=board)
    commit()


def set_archived(admin: User, board: Board, archived: bool, now: datetime) -> None:
    """Archive a board (read-only, listed apart) or bring it back."""
    _check(admin)
    if board.archived != archived:
        board.archived = archived
        record(admin, BOARD_ARCHIVE if archived else BOARD_UNARCHIVE, "", now, board=board)
    commit()
