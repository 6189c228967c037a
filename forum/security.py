"""Requests refused before any view runs, and the security log.

The log ("forum.security") notes failed log-ins, refusals (403) and rate limits (429). It
never holds a password, cookie, token, client address, path or id: nothing in it can tie an
anonymous handle to its account. Every value is written with repr(), so text someone typed
cannot start a new line and pass for another entry. The development server's own request
log (an address and a path per line) is dropped too.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from urllib.parse import unquote_to_bytes, urlsplit

from flask import abort, current_app, request
from flask_babel import format_decimal, gettext as _, ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from .pagination import MAX_ID
from .siteurl import site_origin

log = logging.getLogger("forum.security")

_FORM = "application/x-www-form-urlencoded"
_WRITES = ("POST", "PUT", "PATCH", "DELETE")
_EVENTS = {403: "forbidden", 429: "rate_limited"}


class AsciiIntegerConverter(IntegerConverter):
    """Ids in URLs are ASCII digits only: "/threads/１" (a full-width 1) is not thread 1, and
    at most MAX_ID, the largest a 32-bit id column holds: a larger one is a 404, not an error."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ID, signed: bool = False):
        super().__init__(map, fixed_digits, min, max, signed)


def log_event(event: str, **fields) -> None:
    """Write one security log line: the event, then each field as key=repr(value)."""
    log.warning("%s %s", event, " ".join(f"{key}={value!r}" for key, value in fields.items()))


def name_tag(login_name: str) -> str:
    """A keyed hash of a login name: repeated attempts on one name show, the name does not."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"log-login:{login_name.strip().lower()}".encode(),
                    hashlib.sha256).hexdigest()[:12]


def log_failed_login(login_name: str) -> None:
    log_event("login_failed", name=name_tag(login_name))


def _malformed(raw: bytes) -> bool:
    """Tell whether percent-encoded form or query bytes hide broken UTF-8 or a NUL."""
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return "\x00" in text


def came_from_this_site() -> bool:
    """Tell whether the browser says one of this site's own pages sent this request."""
    # Browsers since 2023 send Sec-Fetch-Site, and an attacker's page cannot make them say
    # "same-origin". Pages here send Referrer-Policy: no-referrer, under which Chromium says
    # "Origin: null" even for our own forms, so Origin and Referer only help older browsers.
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    for header in ("Origin", "Referer"):
        parts = urlsplit(request.headers.get(header, ""))
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}".lower() == site_origin()
    return False


def refuse_cross_site_writes() -> None:
    """Refuse a write that the browser says another site's page sent."""
    if request.method in _WRITES and request.headers.get("Sec-Fetch-Site") in ("cross-site",
                                                                                "same-site"):
        raise CSRFError("This form was sent from another website.")


# Endpoints that take a larger body than MAX_CONTENT_LENGTH, and the setting that says how
# much: a member's blog export (forum/posting/import_routes.py).
LARGER_BODIES = {"posting.upload_blog": "WXR_UPLOAD_MAX_BYTES"}


def size_words(size: int) -> str:
    """A size in bytes as people read it: "20 MB", "3.9 kB" (the decimal mark the reader's
    language uses: "3,9 kB" in German)."""
    for unit, scale in (("MB", 1024 * 1024), ("kB", 1024)):
        if size >= scale:
            return f"{format_decimal(round(size / scale, 1), '#0.#')} {unit}"
    return ngettext("%(num)d byte", "%(num)d bytes", size)


class UploadTooLarge(RequestEntityTooLarge):
    custom_message = True  # errors.py shows this description


def allow_larger_bodies() -> None:
    """Raise the body limit for the few endpoints that take a file, before anything reads
    the body; a file over it is refused with the limit named, before it is read."""
    setting = LARGER_BODIES.get(request.endpoint or "")
    if setting is None:
        return
    limit = current_app.config[setting]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise UploadTooLarge(_(
            "This file is larger than the %(size)s this page takes, so it was not read and "
            "nothing was kept. A bigger blog can still come in: the site's administrator can "
            "import it for you with the command-line importer; ask them through the contact "
            "page.", size=size_words(limit)))


def refuse_malformed_input() -> None:
    """Refuse a NUL byte or broken UTF-8 in the path, query or form: no browser sends them."""
    if "\x00" in request.path:
        abort(404)
    if _malformed(request.query_string):
        abort(400)
    if request.method in _WRITES:
        if request.mimetype == _FORM:
            # Read (and cached for the form parser) within MAX_CONTENT_LENGTH, else 413.
            if _malformed(request.get_data(cache=True)):
                abort(400)
        elif any("\x00" in text for pair in request.form.items(multi=True) for text in pair):
            abort(400)


def log_refusal(response):
    """Note every 403 and 429 answer, by endpoint only."""
    event = _EVENTS.get(response.status_code)
    if event:
        log_event(event, method=request.method, endpoint=request.endpoint)
    return response


class QuietRequestLog(logging.Filter):
    """Drops the development server's line per request, which starts with the client address
    and names the path; its startup lines ("Running on ...") and tracebacks pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _REQUEST_LINE.match(str(record.msg))


# Werkzeug's request handler writes f"{address} - - [{date}] {what}": every such line is one
# client's visit (or a malformed request from it), nothing an operator needs to keep.
_REQUEST_LINE = re.compile(r"\S* - - \[")
_QUIET = QuietRequestLog()


def init_app(app) -> None:
    """Call before CSRFProtect is bound and blueprints are registered: input is refused
    before anything reads it, and every route gets the strict id converter."""
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.before_request(refuse_cross_site_writes)
    app.before_request(allow_larger_bodies)
    app.before_request(refuse_malformed_input)
    app.after_request(log_refusal)
    # Flask-Limiter logs each breach with its key, which can be a client address.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    # `flask run` (the README's first command) would print every visitor's address and path.
    logging.getLogger("werkzeug").addFilter(_QUIET)  # the same filter once, however many apps
