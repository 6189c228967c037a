"""Gzip at the app, where it is safe: static files always, pages only when they hold no secret.

Why not every response: compressing a page that holds a secret (a CSRF token, anything tied
to the reader's session) together with text an attacker can make the page repeat (a search
query, a name in a link) lets someone who watches the sizes of HTTPS responses guess the
secret a character at a time (BREACH). So a response from the app is compressed only when it
carries nothing of the reader's: a GET by someone not logged in, no CSRF token made for it,
no session change (flash, login), no cookie set. That is the visitors' reading pages, feeds
and the sitemap, which are most of the traffic. Static files (CSS, JS, SVG) hold no secret
and are always compressed; their compressed bytes are kept per ETag, so a file is compressed
once per worker, not once per request.

Every response that could be compressed says `Vary: Accept-Encoding`, compressed or not, so
that no cache hands gzip to a client that did not ask for it. A compressed static file gets
a weak ETag (the same bytes, another encoding), so conditional requests still end in 304.

A reverse proxy in front should leave compression to the app (README, "Production"): one that
gzips HTML on its own (nginx's `gzip on;` does, for text/html) would compress the pages that
hold secrets too.
"""
from __future__ import annotations

import gzip

from flask import Flask, current_app, g, request, session
from flask_login import current_user

# What is worth compressing: text. Images other than SVG, fonts in woff2 and zip files are
# compressed already.
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
    "application/json", "application/atom+xml", "application/xml", "text/xml",
    "image/svg+xml", "application/manifest+json", "image/x-icon",
})
MIN_BYTES = 512  # below this, the gzip header and the work cost more than they save
MAX_BYTES = 4 * 1024 * 1024  # a page or file this large is not held in memory twice
LEVEL = 6
STATIC_CACHE_ENTRIES = 64
_static_cache: dict[tuple[str, str], bytes] = {}


def _wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _holds_no_secret(response) -> bool:
    """A response the reader's session had no part in (see the module docstring)."""
    return (request.method in ("GET", "HEAD")
            and not current_user.is_authenticated
            and g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")) is None
            and not session.modified
            and "Set-Cookie" not in response.headers)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def compress(response):
    """after_request: gzip the response when it is text, big enough, asked for, and safe."""
    if (response.mimetype not in COMPRESSIBLE or response.status_code != 200
            or "Content-Encoding" in response.headers
            or not current_app.config.get("COMPRESS_RESPONSES", True)):
        return response
    endpoint = request.endpoint or ""
    static = endpoint == "static" or endpoint.endswith(".static")
    if not static and not _holds_no_secret(response):
        return response  # not compressed, whatever the request asked: no Vary needed
    response.vary.add("Accept-Encoding")
    if not _wants_gzip():
        return response
    if static:
        length = response.content_length
        if length is None or not MIN_BYTES <= length <= MAX_BYTES:
            return response
        etag, _ = response.get_etag()
        key = (request.path, etag or "")
        body = _static_cache.get(key) if etag else None
        if body is None:
            response.direct_passthrough = False  # read the file once, here
            body = _gzip(response.get_data())
            if etag:
                if len(_static_cache) >= STATIC_CACHE_ENTRIES:
                    _static_cache.pop(next(iter(_static_cache)))
                _static_cache[key] = body
        else:
            close = getattr(response.response, "close", None)
            if close is not None:
                close()  # the file it was going to send: the kept bytes go instead
            response.direct_passthrough = False
        if etag:
            response.set_etag(etag, weak=True)
    else:
        if response.is_streamed or response.direct_passthrough:
            return response  # sent as it is made: nothing to compress as a whole
        data = response.get_data()
        if not MIN_BYTES <= len(data) <= MAX_BYTES:
            return response
        body = _gzip(data)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    # A range of the file would be of its plain bytes (a 206 is never compressed), not of
    # these: no ranges offered on the compressed copy.
    response.headers.pop("Accept-Ranges", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
