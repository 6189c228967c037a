"""The action buttons on each moderation page: which ones show, in what order, with what words."""
from __future__ import annotations

from functools import partial
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext as _

from ..models import Post, Report, Story, Thread
from .actions import DISMISS, HIDE, LOCK, PIN, RESTORE, SUSPEND, UNLOCK, UNPIN, UNSUSPEND
from .outing import OUTING
from .queue import QueueItem
from .suspensions import NameFacts


class Action(NamedTuple):
    """One button: where it posts the shared reason form, what it says, and which action it is."""

    url: str
    label: str
    kind: str  # one of the ModAction verbs in actions.py; SUSPEND also asks for a length
    # The same action inside the sentence "Tick this first to …" (lowercase in English);
    # its own words, since lowercasing a label is wrong in German. Destructive buttons only.
    phrase: str = ""

    @property
    def destructive(self) -> bool:
        """Hiding, closing and suspending take something from people: the button looks
        different and asks for a tick first."""
        return self.kind in DESTRUCTIVE

    @property
    def style(self) -> str:
        """The button's class: `danger` for what takes away, `secondary` for leaving as is."""
        return "danger" if self.destructive else "secondary" if self.kind == DISMISS else ""


DESTRUCTIVE = frozenset({HIDE, LOCK, SUSPEND})


def _closable(thread: Thread) -> bool:
    """A moderator may close a discussion that is open or that only its story's author closed."""
    return not thread.is_locked or thread.locked_by_author


def _held(item: Post | Story, reports: list[Report]) -> bool:
    """Hidden by the outing fast path: the decision is to confirm or restore, not to dismiss."""
    return item.is_hidden and any(report.reason == OUTING for report in reports)


def post_actions(post: Post, facts: NameFacts, reports: list[Report]) -> list[Action]:
    """What a moderator can do on one post's review page, given its state and its author's name."""
    actions = []
    if _held(post, reports):
        actions.append(Action(url_for("moderation.confirm_post", post_id=post.public_id),
                              _("Confirm the removal"), HIDE, _("confirm the removal")))
    elif reports:
        actions.append(Action(url_for("moderation.dismiss_post_reports", post_id=post.public_id),
                              _("Dismiss reports"), DISMISS))
    if post.is_hidden:
        actions.append(Action(url_for("moderation.restore_post", post_id=post.public_id),
                              _("Restore post"), RESTORE))
    elif not post.is_deleted:
        actions.append(Action(url_for("moderation.hide_post", post_id=post.public_id),
                              _("Hide post"), HIDE, _("hide post")))
    if _closable(post.thread):
        actions.append(Action(url_for("moderation.lock_post", post_id=post.public_id),
                              _("Close the discussion"), LOCK, _("close the discussion")))
    else:
        actions.append(Action(url_for("moderation.unlock_thread", thread_id=post.thread.public_id),
                              _("Reopen the discussion"), UNLOCK))
    if not facts.suspended_until:
        actions.append(Action(url_for("moderation.suspend_post_author", post_id=post.public_id),
                              _("Suspend the author"), SUSPEND, _("suspend the author")))
    else:
        actions.append(Action(url_for("moderation.unsuspend_post_author", post_id=post.public_id),
                              _("Lift the author’s suspension"), UNSUSPEND))
    return actions


def story_actions(story: Story, facts: NameFacts, reports: list[Report]) -> list[Action]:
    """What a moderator can do on one story's review page, given its state and its author's name."""
    actions = []
    if _held(story, reports):
        actions.append(Action(url_for("moderation.confirm_story", slug=story.slug),
                              _("Confirm the removal"), HIDE, _("confirm the removal")))
    elif reports:
        actions.append(Action(url_for("moderation.dismiss_story_reports", slug=story.slug),
                              _("Dismiss reports"), DISMISS))
    if story.is_hidden:
        actions.append(Action(url_for("moderation.restore_story", slug=story.slug),
                              _("Restore story"), RESTORE))
    elif story.is_published:
        actions.append(Action(url_for("moderation.hide_story", slug=story.slug),
                              _("Hide story"), HIDE, _("hide story")))
    if _closable(story.thread):
        actions.append(Action(url_for("moderation.lock_story", slug=story.slug),
                              _("Close comments"), LOCK, _("close comments")))
    else:
        actions.append(Action(url_for("moderation.unlock_thread", thread_id=story.thread.public_id),
                              _("Reopen comments"), UNLOCK))
    if not facts.suspended_until:
        actions.append(Action(url_for("moderation.suspend_story_author", slug=story.slug),
                              _("Suspend the author"), SUSPEND, _("suspend the author")))
    else:
        actions.append(Action(url_for("moderation.unsuspend_story_author", slug=story.slug),
                              _("Lift the author’s suspension"), UNSUSPEND))
    return actions


def thread_actions(thread: Thread) -> list[Action]:
    """What a moderator can do to a board thread: close or reopen, pin or unpin, hide or restore."""
    at = partial(url_for, thread_id=thread.public_id)
    return [
        Action(at("moderation.unlock_thread"), _("Reopen replies"), UNLOCK) if thread.is_locked
        else Action(at("moderation.lock_thread"), _("Close replies"), LOCK, _("close replies")),
        Action(at("moderation.unpin_thread"), _("Unpin"), UNPIN) if thread.pinned
        else Action(at("moderation.pin_thread"), _("Pin to the top"), PIN),
        Action(at("moderation.restore_thread"), _("Restore thread"), RESTORE) if thread.hidden
        else Action(at("moderation.hide_thread"), _("Hide thread"), HIDE, _("hide thread")),
    ]


def queue_actions(item: QueueItem) -> list[Action]:
    """The buttons that resolve one reported post or story from the queue."""
    confirm, suspend = _("Confirm the removal"), _("Suspend the author")
    if item.held and item.post is not None:
        at = partial(url_for, post_id=item.post.public_id)
        return [Action(at("moderation.confirm_post"), confirm, HIDE, _("confirm the removal")),
                Action(at("moderation.restore_post"), _("Restore post"), RESTORE),
                Action(at("moderation.suspend_post_author"), suspend, SUSPEND,
                       _("suspend the author"))]
    if item.held:
        at = partial(url_for, slug=item.story.slug)
        return [Action(at("moderation.confirm_story"), confirm, HIDE, _("confirm the removal")),
                Action(at("moderation.restore_story"), _("Restore story"), RESTORE),
                Action(at("moderation.suspend_story_author"), suspend, SUSPEND,
                       _("suspend the author"))]
    if item.post is not None:
        at = partial(url_for, post_id=item.post.public_id)
        return [
            Action(at("moderation.dismiss_post_reports"), _("Dismiss reports"), DISMISS),
            Action(at("moderation.hide_post"), _("Hide post"), HIDE, _("hide post")),
            Action(at("moderation.lock_post"), _("Close the discussion"), LOCK,
                   _("close the discussion")),
            Action(at("moderation.suspend_post_author"), suspend, SUSPEND,
                   _("suspend the author")),
        ]
    at = partial(url_for, slug=item.story.slug)
    return [
        Action(at("moderation.dismiss_story_reports"), _("Dismiss reports"), DISMISS),
        Action(at("moderation.hide_story"), _("Hide story"), HIDE, _("hide story")),
        Action(at("moderation.lock_story"), _("Close comments"), LOCK, _("close comments")),
        Action(at("moderation.suspend_story_author"), suspend, SUSPEND, _("suspend the author")),
    ]


def asks_for_length(actions: list[Action]) -> bool:
    """Tell whether a form with these buttons needs the suspension-length fields."""
    return any(action.kind == SUSPEND for action in actions)


def sure_help(actions: list[Action]) -> str:
    """The line under "Yes, I am sure" naming what the tick allows: "Tick this first to hide
    post, close the discussion or suspend the author." (empty when no button needs it)."""
    phrases = [action.phrase for action in actions if action.destructive]
    if not phrases:
        return ""
    if len(phrases) == 1:
        return _("Tick this first to %(action)s.", action=phrases[0])
    # Translators: %(actions)s is a list joined by commas, %(last)s the last action.
    return _("Tick this first to %(actions)s or %(last)s.", actions=", ".join(phrases[:-1]),
             last=phrases[-1])
