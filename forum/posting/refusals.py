"""Why a write is refused: the account, the thread, the text itself, the bot gates, and the
rate limits."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, format_number, gettext as _, ngettext
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
        raise NotAllowed(_("Please log in to write."))
    if user.is_pending:
        raise NotApproved(
            _("Your account is waiting for a moderator to approve it. You can write once it is "
              "approved. Your text was not posted; it is kept below.")
            if user.approval_state == PENDING else
            _("A moderator did not approve this account, so it cannot write. Your text was not "
              "posted; it is kept below."))
    if user.is_suspended(now):
        when = suspension_words(user.suspended_until, precise=True)
        if user.suspension_reason:
            # Translators: %(when)s is "permanently" or "until 3 March 2026, 14:00".
            raise AccountSuspended(_("Your account is suspended %(when)s, so you cannot write. "
                                     "Reason: %(reason)s", when=when,
                                     reason=user.suspension_reason))
        # Translators: %(when)s is "permanently" or "until 3 March 2026, 14:00".
        raise AccountSuspended(_("Your account is suspended %(when)s, so you cannot write.",
                                 when=when))


def check_profile_write(user: User, now: datetime) -> None:
    """A public handle and a bio are user text too: the same account checks and limits."""
    check_writer(user, now)
    count_write(user, "edit", now)


def check_open(thread: Thread) -> None:
    """Refuse a write into a thread whose comments are closed or that a moderator removed."""
    if thread.is_locked:
        if thread.lock_reason:
            raise ThreadLocked(_("Comments are closed (%(reason)s). Your text was not posted.",
                                 reason=thread.lock_reason))
        raise ThreadLocked(_("Comments are closed. Your text was not posted."))
    if thread.is_waiting:
        raise ThreadLocked(_("This discussion waits for a moderator: replies are open once it "
                             "is approved. Your text was not posted."))
    if thread.hidden:
        raise ThreadLocked(_("This discussion was removed by a moderator. Your text was not "
                             "posted."))


def check_board(author: User, board: Board) -> None:
    """Refuse a write on a board the writer may not read (as if it did not exist: 404), or on
    an archived board, which stays readable and takes nothing new."""
    if not permissions.can_see_board(author, board):
        raise NotAllowed(_("There is no such board."), status=404)
    if board.archived:
        raise ThreadLocked(_("This board is archived: it can be read, not written in. "
                             "Your text was not posted."))


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
        raise MembersOnly(_("A moderator has opened this discussion to established members "
                            "only for now. Your text was not posted; it is kept below."))
    if not thread.slow_mode_seconds:
        return
    last = db.session.scalar(
        select(func.max(Post.created_at)).join(Handle, Post.handle_id == Handle.id)
        .where(Post.thread_id == thread.id, Handle.user_id == user.id))
    if last is None:
        return
    wait = int((last + timedelta(seconds=thread.slow_mode_seconds) - now).total_seconds()) + 1
    if wait > 0:
        raise TooFast(f"{_slow_mode_words(thread.slow_mode_seconds)} "
                      f"{_wait_words(ratelimit.wait_words(wait))}", wait)


def _slow_mode_words(seconds: int) -> str:
    """The slow-mode rule as one sentence in the reader's language."""
    if seconds % 3600 == 0:
        return ngettext("This discussion is in slow mode: one post every hour per person.",
                        "This discussion is in slow mode: one post every %(num)d hours per "
                        "person.", seconds // 3600)
    if seconds % 60 == 0:
        return ngettext("This discussion is in slow mode: one post every minute per person.",
                        "This discussion is in slow mode: one post every %(num)d minutes per "
                        "person.", seconds // 60)
    return ngettext("This discussion is in slow mode: one post every second per person.",
                    "This discussion is in slow mode: one post every %(num)d seconds per "
                    "person.", seconds)


def pace_words(seconds: int) -> str:
    """How often one may post in slow mode, as the words after "every" ("minute", "5
    minutes", "hour"), in the reader's language: the sentences around it put these words
    where their language wants them ("je Minute", "cada 5 minutos")."""
    if seconds % 3600 == 0:
        # Translators: the words after "one post every": "hour", "2 hours".
        return ngettext("hour", "%(num)d hours", seconds // 3600)
    if seconds % 60 == 0:
        # Translators: the words after "one post every": "minute", "5 minutes".
        return ngettext("minute", "%(num)d minutes", seconds // 60)
    # Translators: the words after "one post every": "second", "30 seconds".
    return ngettext("second", "%(num)d seconds", seconds)


# --- the text -----------------------------------------------------------------------------

def clean_draft(body: str) -> str:
    """A draft may be empty, but it is held to the same length limit as a story."""
    body = text.normalise(body)
    limit = current_app.config["MAX_BODY_CHARS"]
    if len(body) > limit:
        raise TooLong(too_long_words(len(body), limit))
    return body


def too_long_words(length: int, limit: int) -> str:
    """A text over the length limit, in the writer's language."""
    return _("That is %(length)s characters; the limit is %(limit)s.",
             length=format_number(length), limit=format_number(limit))


def clean_body(body: str) -> str:
    """The text as stored, refused when it is too long or has nothing in it."""
    body = clean_draft(body)
    if not body.strip():
        raise PostingError(_("Please write something before sending."))
    return body


def preview(user: User, body: str, now: datetime, *, story: bool = False) -> text.Rendered:
    """The writer's text exactly as it would be published, and nothing stored (a story's
    with its headings' ids, as stories.render_story stores it).

    Counted like a write: rendering costs the server as much as posting does."""
    count_write(user, "preview", now)
    return text.render(body or "", headings=story)


# --- the bot gates and the young account's limits ----------------------------------------

def check_gates(user: User, tripped: bool, now: datetime) -> None:
    """Refuse a form that a robot seems to have sent (forum/gates.py): the honeypot filled in,
    or sent back too soon. Only accounts not yet established meet the gates."""
    if tripped and not permissions.can_moderate(user) and not is_established(user, now):
        raise TryAgain(str(gates.TRY_AGAIN))  # str: the words of this request's language


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
    if limit == 0:
        raise TooManyLinks(_("While an account is new it can put no links or web addresses in "
                             "one post or story, to keep spam off the site. Please take some "
                             "out and send it again. Your text is kept below."))
    raise TooManyLinks(ngettext(
        "While an account is new it can put at most %(num)d link or web address in one post "
        "or story, to keep spam off the site. Please take some out and send it again. Your "
        "text is kept below.",
        "While an account is new it can put at most %(num)d links or web addresses in one "
        "post or story, to keep spam off the site. Please take some out and send it again. "
        "Your text is kept below.", limit))


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
    raise Duplicate(ngettext(
        "You posted exactly these words in the last minute, so they were not posted again. "
        "Your text is kept below.",
        "You posted exactly these words in the last %(num)d minutes, so they were not posted "
        "again. Your text is kept below.", current_app.config["DUPLICATE_WINDOW"]))


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


def _wait_words(wait: str) -> str:
    """The second sentence of a refusal a wait lifts: how long, and that the text is kept."""
    # Translators: %(wait)s is a duration such as "25 seconds" or "4 minutes".
    return _("Please wait %(wait)s, then send it again. Your text is kept below.", wait=wait)


def _waiting(rule, *args) -> LazyString:
    """A rate limit's refusal: the rule (`rule(*args)`, one sentence), then the wait, left as
    {wait} for forum/ratelimit.py to fill in. Lazy: put into words only for the write that
    is refused, never for the many that pass."""
    return LazyString(lambda: f"{rule(*args)} {_wait_words('{wait}')}")


def _faster() -> str:
    return _("You are doing that faster than this site allows.")


def _faster_previews() -> str:
    # Translators: %(wait)s is a duration such as "25 seconds" or "4 minutes".
    return _("You are asking for previews faster than this site allows. Please wait "
             "%(wait)s, then preview again. Your text is kept below.", wait="{wait}")


# The refusals from the limits on one network address: the rule, and nothing about who used it.
def _edits_from_address() -> str:
    return _("Edits from one network address are limited, to keep floods off the site.")


def _reports_from_address() -> str:
    return _("Reports from one network address are limited, to keep floods off the site.")


def _messages_from_address() -> str:
    return _("Messages to the moderators from one network address are limited, to keep "
             "floods off the site.")


def _drafts_from_address() -> str:
    return _("Draft saves from one network address are limited, to keep floods off the site.")


def _previews_from_address() -> str:
    return _("Previews from one network address are limited, to keep floods off the site.")


def _reactions_from_address() -> str:
    # Translators: %(wait)s is a duration such as "25 seconds" or "4 minutes".
    return _("Reactions from one network address are limited, to keep floods off the site. "
             "Please wait %(wait)s, then try again.", wait="{wait}")


def _faster_reactions() -> str:
    # Translators: %(wait)s is a duration such as "25 seconds" or "4 minutes".
    return _("You are pressing these faster than this site allows. Please wait %(wait)s, "
             "then try again.", wait="{wait}")


def _topics_from_address(limit: int) -> str:
    return ngettext("Stories and threads from one network address are limited to %(num)d a "
                    "day, to keep floods off the site.",
                    "Stories and threads from one network address are limited to %(num)d a "
                    "day, to keep floods off the site.", limit)


def _replies_from_address(limit: int) -> str:
    return ngettext("Replies from one network address are limited to %(num)d an hour, to keep "
                    "floods off the site.",
                    "Replies from one network address are limited to %(num)d an hour, to keep "
                    "floods off the site.", limit)


def _interval_rule(seconds: int, new: bool) -> str:
    # The English says "seconds" even for one (an interval of 1 second exists only in tests,
    # which read these words); a translation uses its language's plural forms.
    if new:
        # Translators: plural forms of the number of seconds; the English needs no singular.
        return ngettext("You can post once every %(num)d seconds while an account is new.",
                        "You can post once every %(num)d seconds while an account is new.",
                        seconds)
    # Translators: plural forms of the number of seconds; the English needs no singular.
    return ngettext("You can post once every %(num)d seconds.",
                    "You can post once every %(num)d seconds.", seconds)


def _topics_rule(per_day: int, first_day: bool) -> str:
    if first_day:
        return ngettext("You can start %(num)d story or thread a day on an account's first day.",
                        "You can start %(num)d stories or threads a day on an account's first "
                        "day.", per_day)
    return ngettext("You can start %(num)d story or thread a day.",
                    "You can start %(num)d stories or threads a day.", per_day)


def _first_day_replies_rule(per_day: int) -> str:
    return ngettext("You can write %(num)d reply on your account's first day.",
                    "You can write %(num)d replies on your account's first day.", per_day)


# Each write with one limit of its own: its settings per account and per address, and the
# refusals from the limit on the account and from the limit on the address (lazy, above).
_PLAIN_LIMITS = {
    "edit": ("EDIT_LIMIT", "ADDRESS_EDIT_LIMIT",
             lambda: _waiting(_faster), lambda: _waiting(_edits_from_address)),
    "report": ("REPORT_LIMIT", "ADDRESS_REPORT_LIMIT",
               lambda: _waiting(_faster), lambda: _waiting(_reports_from_address)),
    "contact": ("CONTACT_LIMIT", "ADDRESS_CONTACT_LIMIT",
                lambda: _waiting(_faster), lambda: _waiting(_messages_from_address)),
    "draft": ("DRAFT_LIMIT", "ADDRESS_DRAFT_LIMIT",
              lambda: _waiting(_faster), lambda: _waiting(_drafts_from_address)),
    "preview": ("PREVIEW_LIMIT", "ADDRESS_PREVIEW_LIMIT",
                lambda: LazyString(_faster_previews), lambda: _waiting(_previews_from_address)),
    # Quiet support and "I lived this too" (forum/reactions/service.py), pressed or undone.
    "reaction": ("REACTION_LIMIT", "ADDRESS_REACTION_LIMIT",
                 lambda: LazyString(_faster_reactions),
                 lambda: LazyString(_reactions_from_address)),
}


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
        if interval:
            rules.append(("interval", f"1 per {interval} seconds", account,
                          _waiting(_interval_rule, interval, new)))
    if action == "topic":
        per_day = cfg["FIRST_DAY_TOPICS"] if first_day else cfg["TOPICS_PER_DAY"]
        per_address = cfg["ADDRESS_TOPICS_PER_DAY"]
        rules += [
            ("topics", f"{per_day} per day", account, _waiting(_topics_rule, per_day, first_day)),
            ("topics", f"{per_address} per day", address,
             _waiting(_topics_from_address, per_address)),
        ]
    if action == "reply":
        if first_day:
            rules.append(("replies", f"{cfg['FIRST_DAY_REPLIES']} per day", account,
                          _waiting(_first_day_replies_rule, cfg["FIRST_DAY_REPLIES"])))
        per_address = cfg["ADDRESS_REPLIES_PER_HOUR"]
        rules.append(("replies", f"{per_address} per hour", address,
                      _waiting(_replies_from_address, per_address)))
    if action in _PLAIN_LIMITS:
        per_account, per_address, on_account, on_address = _PLAIN_LIMITS[action]
        rules += [(action, cfg[per_account], account, on_account()),
                  (action, cfg[per_address], address, on_address())]
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
