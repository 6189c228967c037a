"""The one posting path: every write of user text is checked, rendered and stored here."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, false, func, null, select, update
from sqlalchemy.exc import IntegrityError

from .. import permissions, ratelimit, text
from ..extensions import db, limiter
from ..models import (
    ANONYMOUS,
    DELETED,
    DRAFT,
    PUBLIC,
    PUBLISHED,
    REPORT_REASONS,
    Board,
    Group,
    Handle,
    Post,
    Report,
    Story,
    StoryRevision,
    Thread,
    User,
)
from ..moderation import service as moderation
from ..names import name_key, pseudonym
from ..notifications import service as notifications
from ..threads.service import page_start


class PostingError(Exception):
    """A write that was refused; `message` is shown to the writer beside their text."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(PostingError):
    status = 403


class AccountSuspended(PostingError):
    status = 403


class ThreadLocked(PostingError):
    status = 403


class TooLong(PostingError):
    status = 400


class TooFast(PostingError):
    """A rate limit was reached; the writer should wait `retry_after` seconds."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# --- checks shared by every write -------------------------------------------------------

def _check_writer(user: User, now: datetime) -> None:
    if not (user and user.is_authenticated):
        raise NotAllowed("Please log in to write.")
    if user.is_suspended(now):
        until = user.suspended_until
        when = "permanently" if until.year >= 9999 else f"until {until:%d %B %Y, %H:%M} UTC"
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        raise AccountSuspended(f"Your account is suspended {when}, so you cannot write.{reason}")


def check_profile_write(user: User, now: datetime) -> None:
    """A public handle and a bio are user text too: the same account checks and limits."""
    _check_writer(user, now)
    _count_write(user, "edit", now)


def is_new_account(user: User, now: datetime) -> bool:
    """New accounts get stricter limits: young, or with few posts written yet."""
    cfg = current_app.config
    if now - user.created_at < timedelta(hours=cfg["NEW_ACCOUNT_HOURS"]):
        return True
    # Counts no further than the threshold: a prolific writer's every post would otherwise
    # count all their posts again (thousands of rows per reply).
    written = db.session.scalar(select(func.count()).select_from(
        select(Post.id).join(Handle, Post.handle_id == Handle.id)
        .where(Handle.user_id == user.id).limit(cfg["NEW_ACCOUNT_POSTS"]).subquery()
    ))
    return written < cfg["NEW_ACCOUNT_POSTS"]


_WAIT = "Please wait {wait}, then send it again. Your text is kept below."
# Each write with one limit of its own: its settings per account and per address, what the
# writes are called in a refusal from the limit on the address, and the account's refusal.
_FASTER = f"You are doing that faster than this site allows. {_WAIT}"
_PLAIN_LIMITS = {
    "edit": ("EDIT_LIMIT", "ADDRESS_EDIT_LIMIT", "Edits", _FASTER),
    "report": ("REPORT_LIMIT", "ADDRESS_REPORT_LIMIT", "Reports", _FASTER),
    "draft": ("DRAFT_LIMIT", "ADDRESS_DRAFT_LIMIT", "Draft saves", _FASTER),
    "preview": ("PREVIEW_LIMIT", "ADDRESS_PREVIEW_LIMIT", "Previews",
                "You are asking for previews faster than this site allows. Please wait "
                "{wait}, then preview again. Your text is kept below."),
}


def _address_refusal(writes: str, limit: str = "") -> str:
    """A refusal by the limit on a network address: the rule, and nothing about who used it."""
    return (f"{writes} from one network address are limited{limit}, to keep floods off the "
            f"site. {_WAIT}")


def _limit_rules(user: User, action: str, now: datetime) -> list[ratelimit.Rule]:
    """The limits one write counts against: the account's own pace, and a flood guard per address.

    Many people can share an address, so its limits have long windows and no interval, and
    their refusals state the rule, never what anyone else on that address did or when.
    """
    cfg = current_app.config
    account, address = f"u{user.id}", ratelimit.address_key()
    first_day = now - user.created_at < timedelta(days=1)
    rules: list[ratelimit.Rule] = []
    if action in ("topic", "reply"):
        new = is_new_account(user, now)
        interval = cfg["NEW_POST_INTERVAL"] if new else cfg["POST_INTERVAL"]
        who = " while an account is new" if new else ""
        if interval:
            rules.append(("interval", f"1 per {interval} seconds", account,
                          f"You can post once every {interval} seconds{who}. {_WAIT}"))
    if action == "topic":
        per_day = cfg["FIRST_DAY_TOPICS"] if first_day else cfg["TOPICS_PER_DAY"]
        day = " on an account's first day" if first_day else ""
        per_address = cfg["ADDRESS_TOPICS_PER_DAY"]
        rules += [
            ("topics", f"{per_day} per day", account,
             f"You can start {per_day} stories or threads a day{day}. {_WAIT}"),
            ("topics", f"{per_address} per day", address,
             _address_refusal("Stories and threads", f" to {per_address} a day")),
        ]
    if action == "reply":
        if first_day:
            rules.append(("replies", f"{cfg['FIRST_DAY_REPLIES']} per day", account,
                          f"You can write {cfg['FIRST_DAY_REPLIES']} replies on your account's "
                          f"first day. {_WAIT}"))
        per_address = cfg["ADDRESS_REPLIES_PER_HOUR"]
        rules.append(("replies", f"{per_address} per hour", address,
                      _address_refusal("Replies", f" to {per_address} an hour")))
    if action in _PLAIN_LIMITS:
        per_account, per_address, writes, message = _PLAIN_LIMITS[action]
        rules += [(action, cfg[per_account], account, message),
                  (action, cfg[per_address], address, _address_refusal(writes))]
    return rules


def _count_write(user: User, action: str, now: datetime) -> None:
    """Count this write against the rate limits, or refuse it; moderators are exempt."""
    # With limits off (RATELIMIT_ENABLED) there is nothing to count against: skip building
    # the rules, whose new-account check costs a query.
    if user.is_moderator or not limiter.enabled:
        return
    try:
        ratelimit.hit(_limit_rules(user, action, now))
    except ratelimit.RateLimited as limited:
        raise TooFast(limited.message, limited.retry_after) from limited


def _check_open(thread: Thread) -> None:
    if thread.is_locked:
        reason = f" ({thread.lock_reason})" if thread.lock_reason else ""
        raise ThreadLocked(f"Comments are closed{reason}. Your text was not posted.")
    if thread.hidden:
        raise ThreadLocked("This discussion was removed by a moderator. Your text was not posted.")


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\x00", "")
    limit = current_app.config["MAX_BODY_CHARS"]
    if len(body) > limit:
        raise TooLong(f"That is {len(body):,} characters; the limit is {limit:,}.")
    if not body.strip():
        raise PostingError("Please write something before sending.")
    return body


def preview(user: User, body: str, now: datetime) -> text.Rendered:
    """The writer's text exactly as it would be published, and nothing stored.

    Counted like a write: rendering costs the server as much as posting does."""
    _count_write(user, "preview", now)
    return text.render(body or "")


# --- handles ----------------------------------------------------------------------------

def handle_for(user: User, thread: Thread | None, anonymous: bool, now: datetime) -> Handle:
    """The name `user` speaks under in `thread`: their public handle, or their pseudonym there."""
    if not anonymous:
        return user.public_handle
    if thread is not None and thread.id is not None:
        existing = db.session.scalar(
            select(Handle).where(Handle.thread_id == thread.id, Handle.user_id == user.id)
        )
        if existing:
            return existing
        here = Handle.thread_id == thread.id
    else:
        here = false()
    # Unique in this thread, and never one of the writer's names elsewhere: the same name in
    # two threads would invite readers to link them.
    mine = (Handle.user_id == user.id) & (Handle.kind == ANONYMOUS)
    taken = set(db.session.scalars(select(Handle.name_key).where(here | mine)))
    name = pseudonym(taken)
    handle = Handle(
        user_id=user.id, name=name, name_key=name_key(name), kind=ANONYMOUS,
        thread_id=thread.id if thread is not None else None, created_at=now,
    )
    db.session.add(handle)
    return handle


def _new_thread(author: User, title: str, board: Board | None, anonymous: bool, now) -> Thread:
    handle = handle_for(author, None, anonymous, now)
    thread = Thread(
        title=title, board=board, handle=handle, created_at=now, last_post_at=now, post_count=0
    )
    db.session.add(thread)
    db.session.flush()
    if anonymous:
        handle.thread_id = thread.id
    return thread


def _next_post_id() -> ColumnElement | None:
    """The id the next post will get, where the database can hand it out before the INSERT.

    On PostgreSQL the post's id comes from its sequence, so the post goes in with its path in
    one INSERT: no second statement to set the path, no row version left behind by it, and no
    placeholder path that a concurrent reply in the same thread would have to wait behind
    (the unique index on thread and path). SQLite has no sequence (None): there the path is
    set by an UPDATE after the INSERT."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.nextval(func.pg_get_serial_sequence("posts", "id"))
    return None


def _add_post(author: User, thread: Thread, parent: Post | None, body: str, anonymous: bool,
              now: datetime, story: tuple | None = None) -> tuple[Post, int]:
    """Insert the post, count it in its thread, notify; returns it with the number of posts
    of the thread before it in reading order (where the redirect finds its page).

    `story`: (owner's user id, story handle id) when the thread is a story's comments."""
    max_depth = current_app.config["MAX_DEPTH"]
    # A reply to the deepest level attaches beside its parent, at that same level.
    while parent is not None and parent.depth >= max_depth - 1:
        parent = db.session.get(Post, parent.parent_id) if parent.parent_id else None
    next_id = _next_post_id()
    if anonymous:
        speaker = {"handle": handle_for(author, thread, True, now)}
        post_id = db.session.scalar(select(next_id)) if next_id is not None else None
    else:
        # The public handle's id, and the new post's id with it: one round trip.
        handle_id, post_id = db.session.execute(
            select(Handle.id, next_id if next_id is not None else null())
            .where(Handle.user_id == author.id, Handle.kind == PUBLIC)
        ).one()
        speaker = {"handle_id": handle_id}
    prefix = parent.path if parent else ""
    rendered = text.render(body, Post.EXCERPT_CHARS)
    post = Post(
        id=post_id, thread=thread, parent_id=parent.id if parent else None, body=body,
        body_html=rendered.html, excerpt=rendered.excerpt, created_at=now,
        depth=parent.depth + 1 if parent else 0,
        path=prefix + Post.path_segment(post_id) if post_id is not None else "", **speaker,
    )
    db.session.add(post)
    if post_id is None:
        db.session.flush()
        post.path = prefix + Post.path_segment(post.id)
    # Counted in SQL, not in Python, so concurrent replies never lose an increment. The same
    # statement counts the posts before this one, for the page the writer is sent to. (It
    # flushes the post first: an ORM statement.)
    before = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(post_count=Thread.post_count + 1, last_post_at=now)
        .returning(
            # Not correlated (thread.id as a value): SQLite writes RETURNING without table names.
            select(func.count())  # not count(id): the index on (thread_id, path) answers alone
            .where(Post.thread_id == thread.id, Post.path < post.path)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    ).scalar_one()
    notifications.on_new_post(post, parent, author, now, story=story)
    return post, before


# --- stories ----------------------------------------------------------------------------

def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:80].strip("-")
    return slug or "story"


def _unique_slug(title: str, story: Story | None = None) -> str:
    base = slugify(title)
    if story is not None and story.slug == base:
        return base
    taken = set(db.session.scalars(
        select(Story.slug).where((Story.slug == base) | Story.slug.like(f"{base}-%"))
    )) | RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def groups_named(names: list[str], now: datetime) -> list[Group]:
    """Existing groups with these names (matched by slug), creating the missing ones."""
    wanted = {}
    for raw in names:
        name = " ".join(raw.split())[:120]
        if name:
            wanted.setdefault(slugify(name), name)
    if not wanted:
        return []
    found = {g.slug: g for g in db.session.scalars(select(Group).where(Group.slug.in_(wanted)))}
    for slug, name in wanted.items():
        if slug not in found:
            found[slug] = Group(name=name, slug=slug, description="", created_at=now)
            db.session.add(found[slug])
    return list(found.values())


def _warnings(values: list[str]) -> str:
    return ",".join(dict.fromkeys(v.strip().replace(",", " ")[:60] for v in values if v.strip()))


# Routes under /stories/ that a story's slug must never shadow.
RESERVED_SLUGS = {"new", "drafts", "autosave"}
UNTITLED = "Untitled draft"


def _apply_story_fields(story: Story, *, title: str, summary: str, body: str,
                        warnings: list[str], group_names: list[str], noindex: bool | None,
                        now: datetime) -> None:
    story.title = story.thread.title = title.strip() or UNTITLED
    story.summary = summary.strip()
    if body != story.body:
        rendered = text.render(body, Story.EXCERPT_CHARS)
        story.body, story.body_html, story.excerpt = body, rendered.html, rendered.excerpt
    story.content_warnings = _warnings(warnings)
    story.groups = groups_named(group_names, now)
    if noindex is not None:
        story.noindex = bool(noindex)


def _check_author(user: User, story: Story) -> None:
    if not permissions.can_edit_story(user, story):
        raise NotAllowed("Only the author can change this story.")


def create_story(author: User, *, title: str, summary: str, body: str, warnings: list[str],
                 group_names: list[str], anonymous: bool, now: datetime,
                 draft: bool = False, noindex: bool = False) -> Story:
    """Publish a testimony (or save it as a draft) with an empty comment section."""
    _check_writer(author, now)
    body = _clean_draft(body) if draft else _clean_body(body)
    _count_write(author, "draft" if draft else "topic", now)
    thread = _new_thread(author, title.strip() or UNTITLED, None, anonymous, now)
    story = Story(
        title="", slug=_unique_slug(title or UNTITLED), body="", body_html="",
        handle=thread.handle, thread=thread, state=DRAFT if draft else PUBLISHED,
        published_at=now,
    )
    _apply_story_fields(story, title=title, summary=summary, body=body,
                        warnings=warnings, group_names=group_names, noindex=noindex, now=now)
    db.session.add(story)
    if not draft:
        notifications.on_new_story(story, author, now)
    db.session.commit()
    return story


def _clean_draft(body: str) -> str:
    """A draft may be empty, but it is held to the same length limit as a story."""
    body = (body or "").replace("\r\n", "\n").replace("\x00", "")
    limit = current_app.config["MAX_BODY_CHARS"]
    if len(body) > limit:
        raise TooLong(f"That is {len(body):,} characters; the limit is {limit:,}.")
    return body


def save_draft(user: User, story: Story | None, *, title: str, summary: str, body: str,
               warnings: list[str], group_names: list[str], anonymous: bool, now: datetime,
               noindex: bool = False) -> Story:
    """Keep an unpublished story on the server, creating the draft on first save."""
    if story is None:
        return create_story(user, title=title, summary=summary, body=body, warnings=warnings,
                            group_names=group_names, anonymous=anonymous, now=now,
                            draft=True, noindex=noindex)
    _check_writer(user, now)
    _check_author(user, story)
    if story.state != DRAFT:
        raise NotAllowed("This story is already published; save your changes instead.")
    body = _clean_draft(body)
    _count_write(user, "draft", now)
    _apply_story_fields(story, title=title, summary=summary, body=body, warnings=warnings,
                        group_names=group_names, noindex=noindex, now=now)
    story.published_at = now  # a draft's date is when it was last worked on
    db.session.commit()
    return story


def publish_draft(user: User, story: Story, *, title: str, summary: str, body: str,
                  warnings: list[str], group_names: list[str], now: datetime,
                  noindex: bool = False, anonymous: bool | None = None) -> Story:
    """Publish a draft with its final text: it appears in lists, feeds and search from now."""
    _check_writer(user, now)
    _check_author(user, story)
    if story.state != DRAFT:
        raise NotAllowed("This story is already published.")
    body = _clean_body(body)
    if not title.strip():
        raise PostingError("Please give your story a title before publishing it.")
    _count_write(user, "topic", now)
    if anonymous is not None and anonymous != story.handle.is_anonymous:
        story.handle = story.thread.handle = handle_for(user, story.thread, anonymous, now)
    _apply_story_fields(story, title=title, summary=summary, body=body, warnings=warnings,
                        group_names=group_names, noindex=noindex, now=now)
    story.state, story.published_at, story.slug = PUBLISHED, now, _unique_slug(title, story)
    story.thread.created_at = story.thread.last_post_at = now
    notifications.on_new_story(story, user, now)
    db.session.commit()
    return story


def update_story(user: User, story: Story, *, title: str, summary: str, body: str,
                 warnings: list[str], group_names: list[str], now: datetime,
                 noindex: bool | None = None) -> Story:
    """Save the author's changes to their story and mark it edited.

    The text before the change is kept as a revision only its author can see. `noindex=None`
    leaves the search-engine choice as it was, so no caller that forgets it can expose a
    story its author kept out of search engines.
    """
    _check_writer(user, now)
    _check_author(user, story)
    body = _clean_body(body)
    _count_write(user, "edit", now)
    if (title.strip(), summary.strip(), body) != (story.title, story.summary, story.body):
        db.session.add(StoryRevision(story_id=story.id, title=story.title, summary=story.summary,
                                     body=story.body, body_html=story.body_html, created_at=now))
    _apply_story_fields(story, title=title, summary=summary, body=body, warnings=warnings,
                        group_names=group_names, noindex=noindex, now=now)
    story.edited_at = now
    db.session.commit()
    return story


def restore_revision(user: User, story: Story, revision: StoryRevision, now: datetime) -> Story:
    """Bring back an earlier version; the current one becomes a revision in its turn."""
    if revision.story_id != story.id:
        raise NotAllowed("That version belongs to another story.")
    return update_story(user, story, title=revision.title, summary=revision.summary,
                        body=revision.body, warnings=story.warning_keys,
                        group_names=[g.name for g in story.groups], now=now)


def purge_revisions(user: User, story: Story) -> int:
    """Delete every earlier version of the author's story; returns how many went."""
    _check_author(user, story)
    result = db.session.execute(delete(StoryRevision).where(StoryRevision.story_id == story.id))
    db.session.commit()
    return result.rowcount


# --- threads and posts ------------------------------------------------------------------

def create_thread(author: User, board: Board, *, title: str, body: str, anonymous: bool,
                  now: datetime) -> Thread:
    """Start a discussion on a board with its first post."""
    _check_writer(author, now)
    body = _clean_body(body)
    _count_write(author, "topic", now)
    thread = _new_thread(author, title.strip(), board, anonymous, now)
    _add_post(author, thread, None, body, anonymous, now)
    db.session.commit()
    return thread


@dataclass(frozen=True)
class Placed:
    """A new post and where it shows, read before the commit so the redirect needs no query."""

    post: Post
    post_public_id: str
    thread_public_id: str
    story_slug: str | None  # the story whose comments these are; None on a board
    after: str | None  # the page showing the post starts after this post; None: the first page


def reply(author: User, thread: Thread, parent: Post | None, body: str, *, anonymous: bool,
          now: datetime) -> Post:
    """Add a comment to a story or a reply in a thread, under `parent` if given."""
    return place_reply(author, thread, parent, body, anonymous=anonymous, now=now).post


def place_reply(author: User, thread: Thread, parent: Post | None, body: str, *,
                anonymous: bool, now: datetime) -> Placed:
    """reply(), telling also where the new post shows: its page of the thread or story."""
    _check_writer(author, now)
    _check_open(thread)
    story = None
    if thread.is_story:
        # Whether comments are open, where the story lives, and whom to tell: one query.
        story = db.session.execute(
            select(Story.state, Story.slug, Handle.user_id, Story.handle_id)
            .join(Handle, Handle.id == Story.handle_id).where(Story.thread_id == thread.id)
        ).first()
        if story is None or story.state != PUBLISHED:
            raise NotAllowed("This story is not published, so it cannot take comments yet.")
    if parent is not None and parent.thread_id != thread.id:
        raise PostingError("That reply belongs to another discussion.")
    body = _clean_body(body)
    _count_write(author, "reply", now)
    post, before = _add_post(author, thread, parent, body, anonymous, now,
                             story=story[2:] if story else None)
    placed = Placed(post, post.public_id, thread.public_id, story.slug if story else None,
                    page_start(thread.id, before))
    db.session.commit()
    return placed


def edit_post(user: User, post: Post, body: str, now: datetime) -> Post:
    """Save the author's new text for their post and mark it edited."""
    _check_writer(user, now)
    if not permissions.can_edit_post(user, post):
        raise NotAllowed("Only the author can edit this post.")
    _check_open(post.thread)
    body = _clean_body(body)
    _count_write(user, "edit", now)
    rendered = text.render(body, Post.EXCERPT_CHARS)
    post.body, post.body_html, post.excerpt, post.edited_at = (
        body, rendered.html, rendered.excerpt, now)
    db.session.commit()
    return post


def delete_post(user: User, post: Post, now: datetime) -> Post:
    """Remove the author's text; the post keeps its place so replies still make sense."""
    if not permissions.can_delete_post(user, post):
        raise NotAllowed("Only the author can delete this post.")
    post.state, post.body, post.body_html, post.excerpt, post.edited_at = (
        DELETED, "", "", "", now)
    db.session.commit()
    return post


# --- reports and the author's own moderation --------------------------------------------

class AlreadyReported(PostingError):
    status = 409


REPORT_DETAILS_MAX = 2000


def report(user: User, *, post: Post | None = None, story: Story | None = None, reason: str,
           details: str, now: datetime) -> Report:
    """Ask the moderators to look at a post or a story, saying why."""
    _check_writer(user, now)
    if (post is None) == (story is None):
        raise PostingError("Report one post or one story at a time.")
    if not permissions.can_report(user, post or story):
        raise PostingError("This is no longer shown to readers, so there is nothing to report.")
    if reason not in REPORT_REASONS:
        raise PostingError("Please choose what is wrong.")
    details = (details or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(details) > REPORT_DETAILS_MAX:
        raise TooLong(f"That is {len(details):,} characters; the limit is {REPORT_DETAILS_MAX:,}.")
    target = Report.post_id == post.id if post is not None else Report.story_id == story.id
    already = AlreadyReported("You have reported this already; the moderators will look at it.")
    if db.session.scalar(select(Report.id).where(Report.reporter_id == user.id, target)):
        raise already
    _count_write(user, "report", now)
    filed = Report(reporter_id=user.id, post_id=post.id if post else None,
                   story_id=story.id if story else None, reason=reason, details=details,
                   created_at=now)
    db.session.add(filed)
    try:
        db.session.commit()
    except IntegrityError:
        # A double click raced past the check above: the unique constraint says the same.
        db.session.rollback()
        raise already from None
    return filed


def close_comments(user: User, story: Story, *, reason: str, now: datetime) -> Thread:
    """Close the comments on your own story, logged as your choice under your story's name."""
    _check_writer(user, now)
    if not permissions.can_close_comments(user, story):
        raise NotAllowed("Only the author can close the comments on this story.")
    if story.thread.is_locked:
        raise PostingError("The comments on this story are closed already.")
    try:
        reason = moderation.clean_reason(reason, required=False)
    except moderation.ModerationError as error:
        raise PostingError(error.message) from error
    moderation.close_thread(story.thread, reason, now, by_author=True)
    # Signed with the story's own handle: its pseudonym if the story is anonymous.
    moderation.record(story.handle, moderation.CLOSE_COMMENTS, reason, now, story=story)
    db.session.commit()
    return story.thread


def reopen_comments(user: User, story: Story, *, now: datetime) -> Thread:
    """Reopen the comments you closed on your own story."""
    _check_writer(user, now)
    if not permissions.can_close_comments(user, story):
        raise NotAllowed("Only the author can reopen the comments on this story.")
    if not story.thread.is_locked:
        raise PostingError("The comments on this story are open already.")
    if not permissions.can_reopen_comments(user, story):
        raise NotAllowed("A moderator closed these comments, so only a moderator can reopen them.")
    moderation.open_thread(story.thread)
    moderation.record(story.handle, moderation.REOPEN_COMMENTS, "", now, story=story)
    db.session.commit()
    return story.thread
