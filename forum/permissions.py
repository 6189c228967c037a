"""Who may do what: one named decision per action, used by views and templates alike."""
from __future__ import annotations

from functools import wraps

from sqlalchemy import bindparam, literal, or_, select, true
from werkzeug.local import LocalProxy

from .clock import utcnow
from .extensions import db
from .models import (AUDIENCE_CIRCLE, AUDIENCE_MEMBERS, AUDIENCE_PUBLIC, Board, BoardMember, Post,
                     Story)
from .models.notifications import MODERATION


def _member(user) -> bool:
    return bool(user and user.is_authenticated)


def owns(user, handle) -> bool:
    """Tell whether `handle` (public or anonymous) belongs to `user`."""
    return _member(user) and handle is not None and handle.user_id == user.id


def can_write(user, now=None) -> bool:
    """A logged-in, unsuspended account may write, once a moderator approved it where
    registration is by approval (a pending account reads only)."""
    return _member(user) and not user.is_pending and not user.is_suspended(now or utcnow())


def can_import_blog(user, now=None) -> bool:
    """A member brings their own blog in from Settings when they may write: logged in,
    approved, not suspended (the import checks it again as it writes)."""
    return can_write(user, now)


def can_reply(user, thread) -> bool:
    return (can_write(user) and thread.accepts_replies()
            and (thread.board is None or can_post_on_board(user, thread.board)))


# --- who may read a board ---------------------------------------------------------------
# A board is public, for logged-in members, or for a circle that moderators keep; moderators
# read every board. can_see_board decides for one board in hand; visible_board_ids is the
# same rule as SQL, the one clause every list, search, feed and count filters with.

def can_see_board(user, board) -> bool:
    """Tell whether `user` (or a visitor, None) may read `board` and anything on it."""
    if board.audience == AUDIENCE_PUBLIC:
        return True
    if not _member(user):
        return False
    if board.audience == AUDIENCE_MEMBERS or can_moderate(user):
        return True
    return db.session.get(BoardMember, (board.id, user.id)) is not None


def board_reader(user) -> tuple:
    """What decides which boards `user` may read, and nothing else: ("public",) for a visitor,
    ("all",) for a moderator, ("member", id) for a member (their circles are looked up in
    the query). visible_board_ids() is built from it; a cache of it may be keyed by it."""
    if not _member(user):
        return ("public",)
    if can_moderate(user):
        return ("all",)
    return ("member", user.id)


def visible_board_ids(user):
    """The ids of the boards `user` (None for a visitor) may read, as an unexecuted select."""
    return _visible_board_ids(board_reader(user))


_BOARD_READER = bindparam("board_reader")


def bound_board_reader(user) -> tuple[tuple, dict]:
    """board_reader(user) with a member's id left as the parameter :board_reader, and the
    value to bind: a statement built once from _visible_board_ids of the first (one per kind
    of reader, the same tuple each time, so it can key a cache) serves every reader of that
    kind."""
    reader = board_reader(user)
    if reader[0] == "member":
        return ("member", _BOARD_READER), {"board_reader": reader[1]}
    return reader, {}


def _visible_board_ids(reader: tuple):
    stmt = select(Board.id)
    if reader[0] == "public":
        return stmt.where(Board.audience == AUDIENCE_PUBLIC)
    if reader[0] == "all":
        return stmt
    circles = select(BoardMember.board_id).where(BoardMember.user_id == reader[1])
    # The two audiences are written into the statement (literal()), not as an expanding IN
    # list: SQLAlchemy would otherwise render the list into the SQL again on every execution
    # of every statement that filters by readable_threads.
    return stmt.where(or_(Board.audience.in_([literal(AUDIENCE_PUBLIC), literal(AUDIENCE_MEMBERS)]),
                          (Board.audience == AUDIENCE_CIRCLE) & Board.id.in_(circles)))


def readable_threads(user, board_id_column):
    """A condition on a thread's board column: a story's comments (no board), or a board
    `user` may read. Every read path that lists threads or posts filters with it."""
    return or_(board_id_column.is_(None), board_id_column.in_(visible_board_ids(user)))


def readable_notices(user, thread_hidden_column, kind_column):
    """A condition on a notification: one about a discussion that is removed (by a moderator,
    or by the outing fast path until a moderator looks) is left out for a member, title and
    all, as the discussion's own pages are; a notice about the member's own writing there
    stays, since it says what happened to it. Moderators read removed discussions."""
    if can_see_hidden(user):
        return true()
    return or_(thread_hidden_column.is_(None), thread_hidden_column.is_(False),
               kind_column == MODERATION)


def can_post_on_board(user, board) -> bool:
    """Members who may read a board that is not archived may start threads and reply there."""
    return can_write(user) and not board.archived and can_see_board(user, board)


def can_keep_circle(user, board) -> bool:
    """Moderators let members into a circle board and take them out."""
    return can_moderate(user) and board.is_circle


def can_manage_boards(user) -> bool:
    """Only admins create, rename, reorder, describe, open up or archive boards."""
    return can_administer(user)


def can_read_thread(user, thread) -> bool:
    """Anyone reads a discussion a moderator has not hidden; moderators read hidden ones; a
    new thread waiting for a moderator (or not approved) is read by its writer alone."""
    if not thread.hidden:
        return True
    if thread.is_waiting:  # as its first post: its writer's alone, moderators review it queued
        return owns(user, thread.handle)
    return can_see_hidden(user)


def can_ignore_name(user, post) -> bool:
    """A member may ignore the name a post is signed with only where they can read that name:
    a discussion and board they may open, and a post neither deleted, nor waiting for a
    moderator, nor removed (moderators read removed posts, names and all)."""
    if not _member(user) or post.is_deleted or post.is_held:
        return False
    if post.is_hidden and not can_see_hidden(user):
        return False
    thread = post.thread
    return can_read_thread(user, thread) and (thread.board is None
                                              or can_see_board(user, thread.board))


def can_edit_post(user, post) -> bool:
    """Authors edit their own posts while a moderator has not hidden them."""
    return can_write(user) and owns(user, post.handle) and post.is_visible


def can_delete_post(user, post) -> bool:
    """Authors delete their own posts; not one waiting for a moderator or not approved, whose
    deleted placeholder would tell others that it had been there."""
    return _member(user) and owns(user, post.handle) and not post.is_deleted and not post.is_held


def can_edit_story(user, story) -> bool:
    return can_write(user) and owns(user, story.handle) and story.state != "hidden"


def can_close_comments(user, story) -> bool:
    """A story's author may close and reopen its comments."""
    return can_write(user) and owns(user, story.handle)


def can_react_in(user, thread) -> bool:
    """Quiet support under the posts of a discussion: whoever may reply there (not locked, not
    removed, a board they may write on). The tree asks it once per page; the copy kept for
    members is keyed by can_reply, which is the same decision. Their own posts never show
    the buttons (can_react_to_post)."""
    return can_reply(user, thread)


def can_react_to_post(user, post) -> bool:
    """A member may support a post others can read, in a discussion they may reply in, and
    not their own writing (under any of their names)."""
    return (post.is_visible and not owns(user, post.handle)
            and can_react_in(user, post.thread))


def can_react_to_story(user, story) -> bool:
    """A member who may write may support a published story that is not their own."""
    return can_write(user) and story.is_published and not owns(user, story.handle)


def can_say_lived_this(user, story, has_groups: bool) -> bool:
    """"I lived this too": under a published story tagged with a group, whose author has not
    turned it off, by a member who is not its author."""
    return has_groups and not story.lived_off and can_react_to_story(user, story)


def can_set_lived_this(user, story) -> bool:
    """The story's author turns "I lived this too" on or off for their story."""
    return can_edit_story(user, story)


def can_moderate(user) -> bool:
    return _member(user) and user.is_moderator


def can_administer(user) -> bool:
    return _member(user) and user.is_admin


def can_unmask(user) -> bool:
    """Only admins may ask to look behind an anonymous name; never moderators. A look needs a
    second administrator's approval (can_decide_unmasking) and is logged."""
    return can_administer(user)


def can_decide_unmasking(user, request) -> bool:
    """Any administrator but the one who asked may approve or refuse a waiting request."""
    return can_unmask(user) and request.admin_id != user.id and request.state == "asked"


def can_see_unmasking_answer(user, request) -> bool:
    """Only the administrator who asked sees the answer, once, after another approved."""
    return (can_unmask(user) and request.admin_id == user.id and request.state == "approved"
            and request.shown_at is None)


def can_review_new_writing(user) -> bool:
    """Moderators approve, or do not approve, a new member's first writings."""
    return can_moderate(user)


def can_see_hidden(user) -> bool:
    """Moderators may read what they hid, to review or restore it."""
    return can_moderate(user)


def can_report(user, item=None) -> bool:
    """Members who may write can report a post or story that readers can still see.

    A report is a write (it goes through the posting path), so a suspension stops it too.
    """
    if not can_write(user):
        return False
    if isinstance(item, Post):
        return item.is_visible and not item.thread.hidden
    if isinstance(item, Story):
        return item.is_published
    return item is None


def can_reopen_comments(user, story) -> bool:
    """The author may reopen comments they closed themselves, not ones a moderator closed."""
    return can_close_comments(user, story) and story.thread.locked_by_author


def can_lock(user, thread) -> bool:
    """Moderators close and reopen replies in any discussion, board thread or story."""
    return can_moderate(user)


def can_pin(user, thread) -> bool:
    """Moderators pin board threads; a story's comments have no board to be pinned on."""
    return can_moderate(user) and not thread.is_story


def can_hide(user) -> bool:
    """Moderators hide and restore posts, stories and board threads."""
    return can_moderate(user)


def can_suspend(user) -> bool:
    """Moderators suspend and reinstate the author of a post or story."""
    return can_moderate(user)


def can_review_reports(user) -> bool:
    return can_moderate(user)


def can_change_roles(user) -> bool:
    """Only admins make someone a member, moderator or admin."""
    return can_administer(user)


def can_decide_registrations(user) -> bool:
    """Moderators read the answers of people waiting to join, and approve or refuse them."""
    return can_moderate(user)


def can_invite(user, established: bool, members_may_invite: bool) -> bool:
    """Moderators make invitation codes; so may an established member who may write, when
    the admin allows it (`members_may_invite`, a site setting)."""
    if can_moderate(user):
        return True
    return members_may_invite and established and can_write(user)


def can_keep_read_marks(user) -> bool:
    """Any logged-in member may keep their own read marks ("new since my last visit"),
    suspended or not: it only helps them read."""
    return _member(user)


def can_change_settings(user) -> bool:
    """Only admins change the site settings."""
    return can_administer(user)


def _asked_by_template(decide):
    """`decide` as templates call it: with current_user, Flask-Login's proxy, which looks the
    account up again on every attribute read (can_write alone reads four). The account is
    taken from the proxy once, and `decide` asks it directly."""
    @wraps(decide)
    def asked(user, *args):
        return decide(user._get_current_object() if type(user) is LocalProxy else user, *args)
    return asked


TEMPLATE_FUNCTIONS = {
    name: _asked_by_template(globals()[name])
    for name in (
        "owns", "can_write", "can_import_blog", "can_reply", "can_edit_post", "can_delete_post", "can_edit_story",
        "can_close_comments", "can_moderate", "can_administer", "can_see_hidden", "can_report",
        "can_reopen_comments", "can_lock", "can_pin", "can_hide", "can_suspend",
        "can_review_reports", "can_change_roles", "can_decide_unmasking",
        "can_see_unmasking_answer", "can_see_board", "can_post_on_board", "can_keep_circle",
        "can_manage_boards", "can_read_thread", "can_review_new_writing",
        "can_decide_registrations", "can_react_in", "can_react_to_post", "can_react_to_story",
        "can_say_lived_this", "can_set_lived_this",
    )
}


def can_keep(user, item) -> bool:
    """A member may keep (bookmark) a story or a post they can read now: a published story,
    a shown post in a discussion no moderator removed, on a board they may read."""
    if not _member(user):
        return False
    if isinstance(item, Story):
        return item.is_published
    thread = item.thread
    return (item.is_visible and not thread.hidden
            and (thread.board is None or can_see_board(user, thread.board)))


def can_see_bookmark(user, bookmark) -> bool:
    """A bookmark is its member's alone: to anyone else, moderators and administrators
    included, it does not exist."""
    return _member(user) and bookmark.user_id == user.id


def readable_board_condition(reader: tuple, board_id_column):
    """readable_threads() for a statement built once per kind of reader: `reader` as
    bound_board_reader() gives it."""
    return or_(board_id_column.is_(None), board_id_column.in_(_visible_board_ids(reader)))
