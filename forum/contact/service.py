"""Conversations with the moderators: who may write, read and answer, and what each sees.

- A member writes under a name of theirs: their public handle, or the pseudonym they use in a
  thread. Moderators see that name only, never the account behind it.
- A visitor gets a code, shown once, instead of an account or an email address: the code is
  the only way to read the answer, and only its SHA-256 is kept (80 random bits: guessing is
  hopeless, and guesses are limited per address anyway).
- The moderators answer as "the moderators", never under a moderator's name.
There are no messages between members: that is the channel harassment uses.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import format_number, gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from .. import permissions, ratelimit, text
from ..extensions import db
from ..models import ContactMessage, Conversation, Handle, Thread, User
from ..posting.refusals import PostingError, TooFast, TooLong, count_write

CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case
BODY_MAX = 5000


class NotYours(PostingError):
    status = 404


def code_hash(code: str) -> str:
    cleaned = "".join(c for c in (code or "").lower() if c.isalnum())
    cleaned = cleaned.replace("o", "0").replace("i", "1").replace("l", "1")
    return hashlib.sha256(cleaned.encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def clean_message(body: str | None) -> str:
    body = text.normalise(body, strip=True)
    if not body:
        raise PostingError(_("Please write your message before sending."))
    if len(body) > BODY_MAX:
        raise TooLong(_("That is %(count)s characters; the limit is %(limit)s.",
                        count=format_number(len(body)), limit=format_number(BODY_MAX)))
    return body


def names_of(user: User) -> list[Handle]:
    """The names a member may sign a message with: their public handle, then their pseudonyms."""
    handles = db.session.scalars(select(Handle).where(Handle.user_id == user.id)).all()
    return sorted(handles, key=lambda h: (h.is_anonymous, h.name.casefold()))


def name_label(handle: Handle) -> str:
    """How a name is offered in the "Sign with" list: the name, and which of one's names it is."""
    if not handle.is_anonymous:
        return _("%(name)s (your public handle)", name=handle.name)
    title = db.session.scalar(select(Thread.title).where(Thread.id == handle.thread_id)) or ""
    # Translators: %(name)s is a pseudonym, %(title)s the title of the discussion it is used in.
    return _("%(name)s (your name in “%(title)s”)", name=handle.name, title=title)


def _visitor_limit(action: str) -> None:
    cfg = current_app.config
    # Translators: {wait} is a length of time such as "4 minutes"; keep {wait} as it is.
    rules = {"write": ("contact", cfg["ADDRESS_CONTACT_LIMIT"],
                       _l("Messages to the moderators from one network address are limited, "
                          "to keep floods off the site. Please wait {wait}, then send it "
                          "again. Your text is kept below.")),
             "code": ("contact_code", cfg["CONTACT_CODE_LIMIT"],
                      _l("Too many codes were tried from this network address. Please wait "
                         "{wait}, then try again."))}
    name, limit, message = rules[action]
    try:
        ratelimit.hit([(name, limit, ratelimit.address_key(), message)])
    except ratelimit.RateLimited as limited:
        raise TooFast(limited.message, limited.retry_after) from limited


def start(user: User | None, handle_id: int | None, body: str,
          now: datetime) -> tuple[Conversation, str | None]:
    """Open a conversation; for a visitor, also the code to read the answer (shown once)."""
    body = clean_message(body)
    code = None
    # A suspension does not close this line: it is how a suspended member reaches anyone.
    if user is not None and user.is_authenticated:
        handle = next((h for h in names_of(user) if h.id == handle_id), None)
        if handle is None:
            raise PostingError(_("Please choose one of your names to sign with."))
        count_write(user, "contact", now)
        conversation = Conversation(user_id=user.id, handle_id=handle.id, created_at=now,
                                    last_at=now)
    else:
        _visitor_limit("write")
        code = new_code()
        conversation = Conversation(code_hash=code_hash(code), created_at=now, last_at=now)
    conversation.messages.append(ContactMessage(body=body, created_at=now))
    db.session.add(conversation)
    db.session.commit()
    return conversation, code


def by_code(code: str) -> Conversation:
    """The visitor's conversation for `code`; guesses count against the address's limit."""
    _visitor_limit("code")
    conversation = db.session.scalar(select(Conversation).where(
        Conversation.code_hash == code_hash(code)))
    if conversation is None:
        raise NotYours(_("That code does not open any conversation. Check it and try again."))
    return conversation


def members_conversation(user: User, public_id: str) -> Conversation:
    conversation = db.session.scalar(select(Conversation).where(
        Conversation.public_id == public_id))
    if conversation is None or conversation.user_id != user.id:
        raise NotYours(_("There is no such conversation."))
    return conversation


def mine(user: User) -> list[Conversation]:
    return list(db.session.scalars(select(Conversation).where(Conversation.user_id == user.id)
                                   .order_by(Conversation.last_at.desc(), Conversation.id.desc())))


def write_back(conversation: Conversation, user: User | None, body: str, now: datetime) -> None:
    """The writer (member or visitor) adds to their conversation."""
    body = clean_message(body)
    if conversation.closed_at is not None:
        raise PostingError(_("The moderators closed this conversation. To write again, start "
                             "a new one. Your text is kept below."))
    if user is not None and user.is_authenticated:
        count_write(user, "contact", now)
    else:
        _visitor_limit("write")
    conversation.messages.append(ContactMessage(body=body, created_at=now))
    conversation.last_at, conversation.waiting = now, True
    db.session.commit()


def answer(moderator: User, conversation: Conversation, body: str, now: datetime) -> None:
    """The moderators answer; the writer sees it signed "the moderators"."""
    if not permissions.can_moderate(moderator):
        raise PostingError(_("Only moderators answer these messages."))
    body = clean_message(body)
    conversation.messages.append(ContactMessage(body=body, created_at=now, from_moderators=True,
                                                moderator_id=moderator.id))
    conversation.last_at, conversation.waiting = now, False
    db.session.commit()


def close(moderator: User, conversation: Conversation, now: datetime) -> None:
    if not permissions.can_moderate(moderator):
        raise PostingError(_("Only moderators close conversations."))
    if conversation.closed_at is not None:
        raise PostingError(_("This conversation is closed already."))
    conversation.closed_at, conversation.waiting = now, False
    db.session.commit()


def inbox() -> list[Conversation]:
    """For moderators: open conversations, those waiting for an answer first."""
    return list(db.session.scalars(
        select(Conversation).where(Conversation.closed_at.is_(None))
        .order_by(Conversation.waiting.desc(), Conversation.last_at.desc(), Conversation.id)))


def waiting_count() -> int:
    return db.session.scalar(select(func.count(Conversation.id)).where(
        Conversation.waiting.is_(True), Conversation.closed_at.is_(None)))
