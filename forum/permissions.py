"""Who may do what: one named decision per action, used by views and templates alike."""
from __future__ import annotations

from .clock import utcnow
from .models import Post, Story


def _member(user) -> bool:
    return bool(user and user.is_authenticated)


def owns(user, handle) -> bool:
    """Tell whether `handle` (public or anonymous) belongs to `user`."""
    return _member(user) and handle is not None and handle.user_id == user.id


def can_write(user, now=None) -> bool:
    """A logged-in, unsuspended account may write, once a moderator approved it where
    registration is by approval (a pending account reads only)."""
    return _member(user) and not user.is_pending and not user.is_suspended(now or utcnow())


def can_reply(user, thread) -> bool:
    return can_write(user) and thread.accepts_replies()


def can_edit_post(user, post) -> bool:
    """Authors edit their own posts while a moderator has not hidden them."""
    return can_write(user) and owns(user, post.handle) and post.is_visible


def can_delete_post(user, post) -> bool:
    return _member(user) and owns(user, post.handle) and not post.is_deleted


def can_edit_story(user, story) -> bool:
    return can_write(user) and owns(user, story.handle) and story.state != "hidden"


def can_close_comments(user, story) -> bool:
    """A story's author may close and reopen its comments."""
    return can_write(user) and owns(user, story.handle)


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


def can_change_settings(user) -> bool:
    """Only admins change the site settings."""
    return can_administer(user)


TEMPLATE_FUNCTIONS = {
    name: globals()[name]
    for name in (
        "owns", "can_write", "can_reply", "can_edit_post", "can_delete_post", "can_edit_story",
        "can_close_comments", "can_moderate", "can_administer", "can_see_hidden", "can_report",
        "can_reopen_comments", "can_lock", "can_pin", "can_hide", "can_suspend",
        "can_review_reports", "can_change_roles", "can_decide_unmasking",
        "can_see_unmasking_answer", "can_decide_registrations",
    )
}
