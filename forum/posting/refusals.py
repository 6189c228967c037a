"""Why a write is refused: the account, the thread, the text itself, the bot gates, and the
rate limits."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, func, select, true

from .. import gates, permissions, ratelimit, site_settings, text
from ..extensions import db, limiter
from ..models import PUBLISHED, VISIBLE, Board, Handle, Post, Story, Thread, User
from ..models.content import words_key
from ..models.accounts import PENDING
from ..moderation.suspensions import suspension_words
from ..refusals import Refusal


class PostingError(Refusal):
    """A write that was refused; `message` is shown to the writer beside their text."""


def kind(error: PostingError) -> str:
    """How a refusal looks: "warning" when waiting a moment is all it takes, else "error"."""
    return "warning" if error.retry_after is not None else "error"


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
        super().__init__(message, retry_after=retry_after)


class AlreadyReported(PostingError):
    status = 409


class MembersOnly(PostingError):
    status = 403


class NotApproved(PostingError):
    """The account is waiting for a moderator's approval, or was not approved."""

    status = 403


class TryAgain(PostingError):
    """A bot gate said no. The words are neutral: a person who was quick sends it again."""


class TooManyLinks(PostingError):
    pass


class Duplicate(PostingError):
    status = 409


class TooLateToUndo(PostingError):
    """The undo window of a deletion has passed."""

    status = 410


# --- the writer and the thread ------------------------------------------------------------

def check_writer(user: User, now: datetime) -> None:
    """Refuse a write from no one, from an account a moderator has not approved (registration
    by approval), or from a suspended account, saying until when and why."""
    if not (user and user.is_authenticated):
        raise NotAllowed("Please log in to write.")
    if user.is_pending:
        raise NotApproved(
            "Your account is waiting for a moderator to approve it. You can write once it is "
            "approved. Your text was not posted; it is kept below."
            if user.approval_state == PENDING else
            "A moderator did not approve this account, so it cannot write. Your text was not "
            "posted; it is kept below.")
    if user.is_suspended(now):
        when = suspension_words(user.suspended_until, precise=True)
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        raise AccountSuspended(f"Your account is suspended {when}, so you cannot write.{reason}")


def check_profile_write(user: User, now: datetime) -> None:
    """A public handle and a bio are user text too: the same account checks and limits."""
    check_writer(user, now)
    count_write(user, "edit", now)


def check_open(thread: Thread) -> None:
    """Refuse a write into a thread whose comments are closed or that a moderator removed."""
    if thread.is_locked:
        reason = f" ({thread.lock_reason})" if thread.lock_reason else ""
        raise ThreadLocked(f"Comments are closed{reason}. Your text was not posted.")
    if thread.is_waiting:
        raise ThreadLocked("This discussion waits for a moderator: replies are open once it is "
                           "approved. Your text was not posted.")
    if thread.hidden:
        raise ThreadLocked("This discussion was removed by a moderator. Your text was not posted.")


def check_board(author: User, board: Board) -> None:
    """Refuse a write on a board the writer may not read (as if it did not exist: 404), or on
    an archived board, which stays readable and takes nothing new."""
    if not permissions.can_see_board(author, board):
        raise NotAllowed("There is no such board.", status=404)
    if board.archived:
        raise ThreadLocked("This board is archived: it can be read, not written in. "
                           "Your text was not posted.")


def is_established(user: User, now: datetime) -> bool:
    """An account older than ESTABLISHED_DAYS, with writing of its own readers still see."""
    if user.created_at > now - timedelta(days=current_app.config["ESTABLISHED_DAYS"]):
        return False
    mine = select(Handle.id).where(Handle.user_id == user.id)
    post = select(Post.id).where(Post.handle_id.in_(mine), Post.state == VISIBLE).limit(1)
    story = select(Story.id).where(Story.handle_id.in_(mine), Story.state == PUBLISHED).limit(1)
    return (db.session.scalar(post) or db.session.scalar(story)) is not None


def check_pace(user: User, thread: Thread, now: datetime) -> None:
    """A moderator's rules for a heated discussion: established members only, slow mode.

    Both are about the account, whichever of its names it writes under, and moderators (who
    may need to step in) are held to neither."""
    if permissions.can_moderate(user):
        return
    if thread.members_only and not is_established(user, now):
        raise MembersOnly("A moderator has opened this discussion to established members only "
                          "for now. Your text was not posted; it is kept below.")
    if not thread.slow_mode_seconds:
        return
    last = db.session.scalar(
        select(func.max(Post.created_at)).join(Handle, Post.handle_id == Handle.id)
        .where(Post.thread_id == thread.id, Handle.user_id == user.id))
    if last is None:
        return
    wait = int((last + timedelta(seconds=thread.slow_mode_seconds) - now).total_seconds()) + 1
    if wait > 0:
        raise TooFast(f"This discussion is in slow mode: one post every "
                      f"{pace_words(thread.slow_mode_seconds)} per person. "
                      + _WAIT.format(wait=ratelimit.wait_words(wait)), wait)


def pace_words(seconds: int) -> str:
    """'minute', '5 minutes', 'hour': how often one may post in slow mode."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            n = seconds // size
            return unit if n == 1 else f"{n} {unit}s"
    return f"{seconds} seconds"


# --- the text -----------------------------------------------------------------------------

def clean_draft(body: str) -> str:
    """A draft may be empty, but it is held to the same length limit as a story."""
    body = text.normalise(body)
    limit = current_app.config["MAX_BODY_CHARS"]
    if len(body) > limit:
        raise TooLong(f"That is {len(body):,} characters; the limit is {limit:,}.")
    return body


def clean_body(body: str) -> str:
    """The text as stored, refused when it is too long or has nothing in it."""
    body = clean_draft(body)
    if not body.strip():
        raise PostingError("Please write something before sending.")
    return body


def preview(user: User, body: str, now: datetime) -> text.Rendered:
    """The writer's text exactly as it would be published, and nothing stored.

    Counted like a write: rendering costs the server as much as posting does."""
    count_write(user, "preview", now)
    return text.render(body or "")


# --- the bot gates and the young account's limits ----------------------------------------

def check_gates(user: User, tripped: bool, now: datetime) -> None:
    """Refuse a form that a robot seems to have sent (forum/gates.py): the honeypot filled in,
    or sent back too soon. Only accounts not yet established meet the gates."""
    if tripped and not permissions.can_moderate(user) and not is_established(user, now):
        raise TryAgain(gates.TRY_AGAIN)


# Anything in Markdown source that can become a link. Most texts have none of these, and
# only a text with more than the limit is rendered to count the links it really makes.
_LINK_HINT = re.compile(r"https?:|www\.|mailto:|\]\s*[(\[]|^\s{0,3}\[[^\]]+\]:|<[a-z]+:",
                        re.IGNORECASE | re.MULTILINE)


# A web address typed out: the renderer leaves a bare one as text, but it is still what a
# spammer came to place, so it counts as a link.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)


def count_links(body: str, enough: int) -> int:
    """How many links or web addresses `body` holds: the different addresses typed in it, or
    the links it makes once rendered if those are more (rendered only when that could be
    more than `enough`)."""
    addresses = len({a.lower().rstrip(".,;:!?") for a in _ADDRESS.findall(body)})
    if addresses > enough or len(_LINK_HINT.findall(body)) <= enough:
        return addresses
    return max(addresses, text.render(body).html.count("<a "))


def check_links(user: User, body: str, now: datetime) -> None:
    """An account not yet established puts at most the site's link limit in one text."""
    if not _LINK_HINT.search(body):
        return  # no link at all (most texts): no need to read the limit
    limit = site_settings.young_account_link_limit()
    if (count_links(body, limit) <= limit or permissions.can_moderate(user)
            or is_established(user, now)):
        return
    allowed = ("no links or web addresses" if limit == 0 else
               f"at most {limit} link{'s' if limit != 1 else ''} or web addresses")
    raise TooManyLinks(f"While an account is new it can put {allowed} in one post or story, "
                       f"to keep spam off the site. Please take some out and send it again. "
                       f"Your text is kept below.")


def repeats_clause(user_id, since, key, lateral: bool) -> ColumnElement[bool]:
    """Whether the account posted the words whose key is `key` (Post.body_key,
    models/content.py: the same words whatever the spacing or case) since `since`, among its
    50 latest posts and 20 latest stories then: a boolean column, so the posting path asks it
    in a statement it makes anyway, and no body leaves the database. The arguments are values,
    or bound parameters of a statement built once; `lateral` where the database has LATERAL
    (PostgreSQL)."""
    if lateral:
        # The 50 latest of each of the account's names, from ix_posts_handle_created read
        # backwards, then the 50 latest of those: the same 50 as below, without reading every
        # post of the window first (a writer who posts a lot has thousands in ten minutes,
        # and the sort of all of them was the dearest part of posting).
        names = Handle.__table__.alias("names")
        latest = (select(Post.body_key, Post.created_at)
                  .where(Post.handle_id == names.c.id, Post.created_at >= since)
                  .order_by(Post.created_at.desc()).limit(50).lateral("latest"))
        posts = (select(latest.c.body_key).select_from(names).join(latest, true())
                 .where(names.c.user_id == user_id)
                 .order_by(latest.c.created_at.desc()).limit(50).subquery())
    else:
        mine = select(Handle.id).where(Handle.user_id == user_id)
        # Each part in a subquery: SQLite takes no LIMIT on a part of a UNION.
        posts = (select(Post.body_key).where(Post.handle_id.in_(mine), Post.created_at >= since)
                 .order_by(Post.created_at.desc()).limit(50).subquery())
    mine = select(Handle.id).where(Handle.user_id == user_id)
    stories = (select(Story.body_key).where(Story.handle_id.in_(mine), Story.state == PUBLISHED,
                                            Story.published_at >= since).limit(20).subquery())
    return (select(posts.c.body_key).where(posts.c.body_key == key).exists()
            | select(stories.c.body_key).where(stories.c.body_key == key).exists())


def repeats_asked(body: str, now: datetime) -> dict | None:
    """The values repeats_clause compares for this text (`since`, `key`); None when the
    check is off (DUPLICATE_WINDOW 0)."""
    window = current_app.config["DUPLICATE_WINDOW"]
    key = words_key(body)
    if not window or key is None:
        return None
    return {"since": now - timedelta(minutes=window), "key": key}


def refuse_duplicate() -> None:
    """Refuse a repeat that repeats_clause found."""
    raise Duplicate(f"You posted exactly these words in the last "
                    f"{current_app.config['DUPLICATE_WINDOW']} minutes, so they were not "
                    f"posted again. Your text is kept below.")


def check_duplicate(user: User, body: str, now: datetime) -> None:
    """Refuse the same text the same account posted within DUPLICATE_WINDOW minutes: a
    double click, or a robot pasting one message everywhere."""
    asked = repeats_asked(body, now)
    if asked is not None and db.session.scalar(
            select(repeats_clause(user.id, asked["since"], asked["key"],
                                  db.session.get_bind().dialect.name == "postgresql"))):
        refuse_duplicate()


def check_new_text(user: User, body: str, now: datetime) -> None:
    """The checks on a new post, thread or story's text beyond its length: links, repeats."""
    check_links(user, body, now)
    check_duplicate(user, body, now)


# --- rate limits --------------------------------------------------------------------------

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
    "contact": ("CONTACT_LIMIT", "ADDRESS_CONTACT_LIMIT", "Messages to the moderators", _FASTER),
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


def count_write(user: User, action: str, now: datetime) -> None:
    """Count this write against the rate limits, or refuse it; moderators are exempt."""
    # With limits off (RATELIMIT_ENABLED) there is nothing to count against: skip building
    # the rules, whose new-account check costs a query.
    if user.is_moderator or not limiter.enabled:
        return
    try:
        ratelimit.hit(_limit_rules(user, action, now))
    except ratelimit.RateLimited as limited:
        raise TooFast(limited.message, limited.retry_after) from limited
