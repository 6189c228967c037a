"""Export: everything stored about an account and written by it, as JSON-ready data."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from .. import ratelimit
from ..auth import email_verification, recovery, two_step
from ..clock import utcnow
from ..extensions import db
from ..models import (
    Appeal, Bookmark, Conversation, Follow, Handle, Notification, Post, Report, Story,
    StoryRestriction, StoryRevision, Suspension, Thread, User,
)
from ..reactions.service import export_rows as reaction_rows
from ..reading import service as reading
from .ignoring import ignored_list


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _handle_names(user: User) -> dict[int, Handle]:
    return {h.id: h for h in db.session.scalars(select(Handle).where(Handle.user_id == user.id))}


def count_export(user: User) -> None:
    """One more download of this account's data (the JSON or the readable archive: one
    limit for both, each reads every row); ratelimit.RateLimited past EXPORT_LIMIT."""
    ratelimit.hit([("export", current_app.config["EXPORT_LIMIT"], f"u{user.id}",
                    # Translators: keep {wait} as it is; it becomes "4 minutes" and the like.
                    _("That is as many downloads of your data as this site allows for now. "
                      "Please wait {wait}, then try again."))])


def export_data(user: User) -> dict:
    """Everything stored about this account and written by it, as plain JSON-ready data.

    Posts, threads, stories and notifications are named by their public ids, as on the
    site: the row ids of others' posts that replied or were reported would tell the order
    and closeness in time of writing the site itself no longer shows. Raises
    ratelimit.RateLimited after EXPORT_LIMIT exports: each one reads every row.
    """
    count_export(user)
    handles = _handle_names(user)
    ids = list(handles)
    stories = db.session.scalars(
        select(Story).where(Story.handle_id.in_(ids)).options(joinedload(Story.thread))
        .order_by(Story.id)).all()
    parent = aliased(Post)
    posts = db.session.execute(
        select(Post, Thread.public_id, Thread.title, parent.public_id)
        .join(Thread, Post.thread_id == Thread.id)
        .outerjoin(parent, Post.parent_id == parent.id)
        .where(Post.handle_id.in_(ids)).order_by(Post.id)).all()
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id)
        .options(joinedload(Report.post), joinedload(Report.story)).order_by(Report.id)).all()
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .options(joinedload(Notification.thread), joinedload(Notification.post))
        .order_by(Notification.id)).all()
    follows = db.session.scalars(
        select(Follow).where(Follow.user_id == user.id)
        .options(joinedload(Follow.thread), joinedload(Follow.group)).order_by(Follow.id)).all()
    # Not one past its 48 hours that the daily run has not deleted yet: it is forgotten.
    pending = email_verification.pending_for(user, utcnow())
    threads = dict(db.session.execute(select(Thread.id, Thread.public_id).where(
        Thread.id.in_([h.thread_id for h in handles.values() if h.thread_id is not None]))).all())
    return {
        "account": {
            "login_name": user.login_name, "email": user.email,
            # An address typed but not (yet) confirmed: it is kept until confirmed or 48 h.
            "email_waiting_for_confirmation": None if pending is None else {
                "address": pending.email, "asked_at": _when(pending.requested_at)},
            "role": user.role,
            "bio": user.bio, "anonymous_by_default": user.anonymous_by_default,
            "follow_on_write": user.follow_on_write, "email_digest": user.email_digest,
            # The site's language they chose; None follows the browser.
            "language": user.language,
            # Whether "new since my last visit" keeps their read marks (listed below).
            "keep_read_marks": user.keep_read_marks,
            "created_at": _when(user.created_at), "suspended_until": _when(user.suspended_until),
            "suspension_reason": user.suspension_reason,
            # Registration by approval: where the account stands, and the answer it gave
            # while a moderator has not decided (deleted once they do).
            "approval_state": user.approval_state, "join_reason": user.join_reason,
            # Whether they are set up, never the codes or the secret themselves.
            "two_step_login": two_step.is_on(user),
            "recovery_codes_left": recovery.remaining(user),
        },
        "handles": [
            {"name": h.name, "kind": h.kind, "thread_id": threads.get(h.thread_id),
             "created_at": _when(h.created_at)}
            for h in handles.values()
        ],
        "stories": [_story_data(story, handles[story.handle_id]) for story in stories],
        "posts": [
            {"id": post.public_id, "thread_id": thread, "thread_title": title,
             "parent_id": parent_id, "posted_as": handles[post.handle_id].name,
             "anonymous": handles[post.handle_id].is_anonymous, "state": post.state,
             "body": post.body, "created_at": _when(post.created_at),
             "edited_at": _when(post.edited_at)}
            for post, thread, title, parent_id in posts
        ],
        "reports_filed": [
            {"post_id": _public(r.post), "story_id": _public(r.story), "reason": r.reason,
             "details": r.details, "state": r.state, "created_at": _when(r.created_at)}
            for r in reports
        ],
        "notifications": [
            {"kind": n.kind, "thread_id": _public(n.thread), "post_id": _public(n.post),
             "reason": n.reason, "tally": n.tally, "created_at": _when(n.created_at),
             "read_at": _when(n.read_at)}
            for n in notifications
        ],
        "follows": [
            {"thread_id": _public(f.thread), "group": f.group.slug if f.group else None,
             "created_at": _when(f.created_at)}
            for f in follows
        ],
        # What they kept: the story or post by its public id, never its words (one removed
        # since is not theirs to read again).
        "bookmarks": [
            {"story_id": story_id, "post_id": post_id, "kept_at": _when(kept_at)}
            for story_id, post_id, kept_at in db.session.execute(
                select(Story.public_id, Post.public_id, Bookmark.created_at)
                .select_from(Bookmark)
                .outerjoin(Story, Story.id == Bookmark.story_id)
                .outerjoin(Post, Post.id == Bookmark.post_id)
                .where(Bookmark.user_id == user.id).order_by(Bookmark.id))
        ],
        "ignored_names": [
            {"name": row.handle.name, "since": _when(row.created_at)}
            for row in ignored_list(user)
        ],
        # "New since my last visit": what they read, if they turned it on (never row ids).
        "read_marks": [
            {"title": title, "address": url_for("stories.show", slug=slug) if slug
             else url_for("threads.show", thread_id=thread_id),
             "newest_post_seen": post_id, "read_at": _when(read_at)}
            for title, slug, thread_id, post_id, read_at in reading.marks_of(user)
        ],
        **_shields_data(user, ids),
        # The quiet support given, and the stories they said they lived too: theirs alone.
        **reaction_rows(user.id),
    }


def _shields_data(user: User, handle_ids: list[int]) -> dict:
    """The names barred from the member's stories, their conversations with the moderators
    and their appeals: answers as "the moderators", never which moderator."""
    barred = db.session.execute(
        select(Story.public_id, Handle.name, StoryRestriction.created_at)
        .join(Story, Story.id == StoryRestriction.story_id)
        .join(Handle, Handle.id == StoryRestriction.handle_id)
        .where(Story.handle_id.in_(handle_ids))
        .order_by(StoryRestriction.id)).all()
    conversations = db.session.scalars(
        select(Conversation).where(Conversation.user_id == user.id)
        .options(joinedload(Conversation.handle)).order_by(Conversation.id)).all()
    appeals = db.session.scalars(
        select(Appeal).join(Suspension, Suspension.id == Appeal.suspension_id)
        .where(Suspension.user_id == user.id).options(joinedload(Appeal.suspension))
        .order_by(Appeal.id)).all()
    return {
        "names_barred_from_my_stories": [
            {"story_id": story, "name": name, "since": _when(since)}
            for story, name, since in barred
        ],
        "messages_to_the_moderators": [
            {"signed_as": c.handle.name if c.handle else None,
             "started_at": _when(c.created_at), "closed_at": _when(c.closed_at),
             "messages": [{"from": "the moderators" if m.from_moderators else "you",
                           "body": m.body, "created_at": _when(m.created_at)}
                          for m in c.messages]}
            for c in conversations
        ],
        "appeals": [
            {"suspended_until": _when(a.suspension.until), "suspension_reason": a.suspension.reason,
             "body": a.body, "created_at": _when(a.created_at), "outcome": a.outcome,
             "answer": a.answer, "decided_at": _when(a.decided_at)}
            for a in appeals
        ],
    }


def _public(row) -> str | None:
    return row.public_id if row is not None else None


def _story_data(story: Story, handle: Handle) -> dict:
    revisions = db.session.scalars(
        select(StoryRevision).where(StoryRevision.story_id == story.id)
        .order_by(StoryRevision.id)).all()
    return {
        "id": story.public_id, "title": story.title, "slug": story.slug,
        "summary": story.summary, "body": story.body, "content_warnings": story.warnings,
        "groups": [g.name for g in story.groups], "state": story.state,
        "posted_as": handle.name, "anonymous": handle.is_anonymous,
        "comments_thread_id": story.thread.public_id, "published_at": _when(story.published_at),
        "edited_at": _when(story.edited_at),
        "earlier_versions": [
            {"title": r.title, "summary": r.summary, "body": r.body,
             "created_at": _when(r.created_at)} for r in revisions
        ],
    }
