"""Who may do what: one named decision per action, used by views and templates alike."""
from __future__ import annotations

from .clock import utcnow


def _member(user) -> bool:
    return bool(user and user.is_authenticated)


def owns(user, handle) -> bool:
    """Tell whether `handle` (public or anonymous) belongs to `user`."""
    return _member(user) and handle is not None and handle.user_id == user.id


def can_write(user, now=None) -> bool:
    """A logged-in, unsuspended account may write."""
    return _member(user) and not user.is_suspended(now or utcnow())


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


def can_see_hidden(user) -> bool:
    """Moderators may read what they hid, to review or restore it."""
    return can_moderate(user)


def can_report(user) -> bool:
    return _member(user)


TEMPLATE_FUNCTIONS = {
    name: globals()[name]
    for name in (
        "owns", "can_write", "can_reply", "can_edit_post", "can_delete_post", "can_edit_story",
        "can_close_comments", "can_moderate", "can_administer", "can_see_hidden", "can_report",
    )
}
