"""One-time submission keys: a write form that arrives twice is carried out once.

Every form the site renders carries a hidden field `once` holding a random 128-bit key,
made when the page is rendered (`once_field()`, a template global). The same key arriving a
second time (a resubmit after the process died between its commit and its answer, a double
click, a retry by a balancer) is answered with the first arrival's result, a redirect with
"This was already sent.", and nothing is stored again.

What is kept is a digest of three things: the sender's account ("a visitor" when signed out),
the form's address, and the key. So a key replayed by another account, or sent to another
form, is a different key: it never returns someone else's result, and one page may hold one
key for all its forms (each posts to its own address). The digest names nobody: without the
key, which only the sender's browser had, nothing can be matched to it.

The digest is recorded in the same transaction as the write it guards, so "stored" and "key
recorded" never disagree, and a unique index is the final guard against two arrivals at once:
- posts and stories keep it on their own row (`submission_key`), written by the posting path
  in the INSERT it makes anyway: the busiest write of the site gains no statement. The views
  of replies, new threads and new stories (SELF_GUARDED) look for it themselves;
- every other write keeps it in the table `submission_keys`: looked up before the view runs,
  inserted by a `before_commit` hook into the first transaction of the request that writes,
  and given the address the answer redirects to just after (None until then: a process that
  dies in between leaves the row without it, and the second arrival is sent back to the page
  it came from). Pruned after KEEP.
A request that wrote nothing (a form refused for a missing field, a preview) records nothing,
so the writer who fixes the form and sends it again, with the same key, is served normally.
A second arrival that meets the first still in flight fails on the unique index (PostgreSQL
makes it wait for the first's commit), or finds SQLite's database locked: it then waits for
the first's result and answers with it.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, has_request_context, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from .clock import utcnow
from .extensions import db
from .models import SubmissionKey

FIELD = "once"
# Plain English text (tests look for it); answer() says it in the reader's language.
ALREADY = "This was already sent, so it was not sent again."
# A key is secrets.token_urlsafe(16): 22 characters of URL-safe base64. Anything else sent
# in the field is no key (the form is served as if it had none).
_KEY = re.compile(r"[A-Za-z0-9_-]{22}")
KEEP = timedelta(hours=24)
# How long a second arrival waits for the first one's answer (its address is written a moment
# after its commit) before sending the writer back to the form's page; and how long it waits
# for a first arrival still writing (SQLite's lock) before failing as it would have.
ANSWER_SECONDS = 1.5
WAIT_SECONDS = 5.0

# Views that keep the key on the row they create, and look it up themselves
# (forum/posting/once.py).
SELF_GUARDED = {"posting.reply", "posting.new_thread", "posting.new_story"}
# Left alone, though their forms carry a key: the editor's autosave keeps the draft by its id
# (and must not answer "already sent" to a script); logging in and out do no harm twice, and
# their answer is the session cookie itself, which a replayed answer would not carry.
UNGUARDED = {"posting.autosave", "auth.login", "auth.logout",
             # Quiet support and bookmarks say the state they want (pressed or not, kept or
             # not): a second arrival changes nothing, and a key would only refuse a press
             # made from a page the browser kept (back, then pressing another).
             "reactions.post", "reactions.story", "reactions.lived", "bookmarks.post",
             "bookmarks.story"}


def new_key() -> str:
    """A fresh random key for a form being rendered."""
    return secrets.token_urlsafe(16)


def _valid(key: str | None) -> bool:
    return bool(key) and _KEY.fullmatch(key) is not None


def digest(key: str, path: str, account: int | None) -> str:
    """What is stored for `key` sent to the form at `path` by `account` (None: a visitor)."""
    who = "visitor" if account is None else str(account)
    return hashlib.blake2b(f"{who}\x00{path}\x00{key}".encode(), digest_size=16).hexdigest()


def _sent_key() -> str | None:
    """The key field of this POST, if it has a readable one (an error page for a body too
    large or malformed to read asks too, and must not fail on it again)."""
    if request.method != "POST":
        return None
    try:
        return request.form.get(FIELD)
    except HTTPException:
        return None


def sent_digest() -> str | None:
    """The digest of the key this request carries; None when it carries none."""
    if "once_sent" not in g:
        key = _sent_key()
        account = current_user.id if current_user.is_authenticated else None
        g.once_sent = digest(key, request.path, account) if _valid(key) else None
    return g.once_sent


def page_key() -> str:
    """The key of the page being rendered: one per page, for all its forms.

    A page shown again after a refused POST keeps the key that POST carried (the writer's
    corrected form is the same submission); after a POST that wrote, the page gets a new one."""
    key = g.get("once_page_key")
    if key is None:
        sent = _sent_key()
        if not (_valid(sent) and not g.get("once_claimed")):
            sent = new_key()
        key = g.once_page_key = sent
    return key


def keep_sent_key() -> None:
    """The page rendered from now on carries the key this POST came with, even after a write
    it claimed: for a page handing the text back after the site failed midway, when whether
    that write committed is not known. Sent again, the key decides: the first arrival's
    answer if it was stored, else stored now."""
    sent = _sent_key()
    if _valid(sent):
        g.once_page_key = sent


def once_field() -> Markup:
    """The hidden field carrying the page's key (a template global): made once per page, for
    all its forms."""
    key = page_key()
    made = g.get("once_field")
    if made is None or made[0] != key:
        made = g.once_field = (key, Markup('<input type="hidden" name="once" value="{}">')
                               .format(key))
    return made[1]


# --- what the first arrival made ---------------------------------------------------------

def _table_result(key_hash: str, wait: bool) -> tuple[bool, str | None]:
    """Whether the key is recorded in submission_keys, and the address its answer gave.

    With `wait`, a row without its address yet (the first arrival is between its commit and
    its answer) is asked again for up to ANSWER_SECONDS."""
    deadline = time.monotonic() + (ANSWER_SECONDS if wait else 0)
    while True:
        row = db.session.execute(select(SubmissionKey.location)
                                 .where(SubmissionKey.key_hash == key_hash)).first()
        if row is None or row.location is not None or time.monotonic() >= deadline:
            return row is not None, None if row is None else row.location
        db.session.commit()  # read-only: the next look sees what committed since
        time.sleep(0.1)


def _back() -> str:
    """Where to send a second arrival whose first answer is not known: the form's own page
    (the site sends no Referer), or the front page for an address that only takes POSTs."""
    rule = request.url_rule
    if rule is not None and rule.methods and "GET" in rule.methods:
        return request.full_path.rstrip("?")
    return url_for("pages.home")


def answer(location: str | None) -> Response:
    """Send the writer where the first arrival sent them, calmly."""
    flash(_("This was already sent, so it was not sent again."))  # ALREADY
    if not location or not location.startswith("/") or location.startswith("//"):
        location = _back()
    return redirect(location)


# --- the hooks ---------------------------------------------------------------------------

def _check() -> Response | None:
    """Before a POST's view: answer a second arrival at once; else remember the key."""
    if request.method != "POST" or request.endpoint in UNGUARDED:
        return None
    key_hash = sent_digest()
    if key_hash is None:
        return None
    if request.endpoint in SELF_GUARDED:
        return None  # the view looks for its row itself (forum/posting/once.py)
    found, location = _table_result(key_hash, wait=True)
    if found:
        return answer(location)
    g.once_hash = key_hash
    return None


def _claim(session: Session) -> None:
    """Record the key in the transaction about to commit, if it is the request's first that
    wrote anything."""
    if not has_request_context():
        return
    key_hash = g.get("once_hash")
    if key_hash is None or g.get("once_claimed"):
        return
    if not (g.get("db_wrote") or session.new or session.deleted
            or any(session.is_modified(o) for o in session.dirty)):
        return
    g.once_claimed = True
    session.execute(insert(SubmissionKey).values(key_hash=key_hash, created_at=utcnow()))


def _remember(response: Response) -> Response:
    """After a write: keep where its answer sends the writer, and forget day-old keys."""
    if not g.get("once_claimed") or g.get("once_answered") or response.status_code >= 500:
        return response  # (a write that failed after its claim committed nothing)
    g.once_answered = True
    location = None
    if response.status_code in (301, 302, 303, 307, 308) and response.location:
        sent_to = urlsplit(response.location)
        if not sent_to.netloc or sent_to.netloc == request.host:
            location = (sent_to.path + (f"?{sent_to.query}" if sent_to.query else "")
                        + (f"#{sent_to.fragment}" if sent_to.fragment else ""))[:500]
    if location:
        db.session.execute(update(SubmissionKey).where(SubmissionKey.key_hash == g.once_hash)
                           .values(location=location))
    prune()
    db.session.commit()
    return response


def prune(now=None) -> int:
    """Forget the keys older than KEEP (uncommitted); returns how many went."""
    cutoff = (now or utcnow()) - KEEP
    return db.session.execute(delete(SubmissionKey).where(SubmissionKey.created_at < cutoff)
                              ).rowcount or 0


def failed_twice(error: Exception, key_hash: str | None) -> bool:
    """Whether `error`, met by a request carrying a key (`key_hash`), may be a second arrival
    running into the first: a unique index (the key's, or one of the write's own, such as one
    report per person and post), or SQLite's lock while the first wrote."""
    if key_hash is None:
        return False
    if isinstance(error, OperationalError):
        return "locked" in str(error)
    return isinstance(error, IntegrityError)


def wait_for_first(error: Exception, result) -> Response:
    """After such an error: undo this arrival's writes and answer with the first one's result
    (`result()`: (found, location)) once it has one; the error as it was if none comes.

    A unique index fails only once the first arrival committed (PostgreSQL waits for it), and
    its key committed with it: one look. SQLite's lock means the first is still writing."""
    db.session.rollback()
    # This arrival records nothing now, not even on the read-only commits below.
    g.once_hash, g.once_claimed = None, False
    patient = isinstance(error, OperationalError)
    deadline = time.monotonic() + (WAIT_SECONDS if patient else 0)
    while True:
        found, location = result()
        if found:
            return answer(location)
        if time.monotonic() >= deadline:
            raise error
        db.session.commit()  # read-only: the next look sees what committed since
        time.sleep(0.1)


def arrived_twice(error: Exception):
    """A write failed while this request carried a key for the table: if another arrival of
    the same key got there first, answer with its result; any other failure is what it was."""
    key_hash = g.get("once_hash")
    if not failed_twice(error, key_hash):
        raise error
    return wait_for_first(error, lambda: _table_result(key_hash, wait=True))


def init_app(app: Flask) -> None:
    """After the blueprints and transactions.init_app: the check runs before each POST view."""
    app.before_request(_check)
    app.after_request(_remember)
    app.register_error_handler(IntegrityError, arrived_twice)
    app.register_error_handler(OperationalError, arrived_twice)
    app.jinja_env.globals["once_field"] = once_field
    if not event.contains(Session, "before_commit", _claim):
        event.listen(Session, "before_commit", _claim)
