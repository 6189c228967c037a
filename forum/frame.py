"""The frame of every page, its header and footer, rendered once for each kind of reader and
kept per process.

base.html's header and footer are some seventy calls into the templates' helpers (words,
addresses, the menus): about a third of a millisecond on a visitor's page and half of one on
a member's, measured on pages whose own content comes from a kept tree. What they show
depends on few things, all in the key of the kept copy:
- the language, the site's name and its quick-exit address;
- the reader's kind: a visitor, a member, a moderator, an administrator;
- the menu entry of the page being read (`aria-current`), when it is one;
- the unread count the header shows (0 to UNREAD_SHOWN + 1, "9+" past it).
Nothing of the reader's own is in a copy: their CSRF token and the page's one-time key, the
page's address (the language switcher comes back to it) and a search's words go in after,
each in place of a stand-in no text can contain (a NUL character, which the site refuses in
any input).

FRAME_CACHE_BYTES bounds the copies (0 renders the frame on every page, as before). A test
renders every kind of frame both ways and compares them byte for byte (tests/test_frame.py).
Other parts of a page are kept the same way through kept_part(), in the same bound: the quiet
support under a story (forum/reactions/support.py, tested likewise in tests/test_reactions.py).
"""
from __future__ import annotations

import secrets
import sys

from flask import Flask, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from . import permissions, submission_keys
from .i18n import language, return_to
from .notifications.service import UNREAD_SHOWN, unread_count
from .threads.cache import TreeCache

_STAND_IN = secrets.token_hex(8)
_TOKEN = f"\x00token-{_STAND_IN}\x00"
_TOKEN_FIELD = f'name="csrf_token" value="{_TOKEN}">'
_RETURN = f"\x00return-{_STAND_IN}\x00"
_RETURN_SLOT = Markup(_RETURN)  # nosec B704: our own stand-in, made here, no input in it
_QUERY = f"\x00query-{_STAND_IN}\x00"

# The pages the menus name: on one of them its entry says aria-current="page". Any other page
# shares the copy without.
_MENU_PAGES = frozenset({
    "stories.index", "threads.boards", "stories.groups", "posting.new_story",
    "moderation.queue", "admin.members", "notifications.index", "posting.drafts",
    "bookmarks.index", "profiles.settings", "search.index"})


def _reader_kind() -> tuple:
    user = current_user._get_current_object()  # the account, not the proxy: asked often
    if not user.is_authenticated:
        return ("visitor",)
    return ("member", permissions.can_moderate(user), permissions.can_administer(user))


def _no_once() -> str:
    return ""  # in a copy, the one-time key comes with the token (_fill)


def _kept(name: str, key: tuple, **context) -> str:
    cache: TreeCache = current_app.extensions["frame_cache"]
    key = (name, language(), current_app.config["SITE_NAME"],
           current_app.config["QUICK_EXIT_URL"], *key)
    html = cache.get(key) if cache.max_chars else None
    if html is None:
        html = render_template(name, csrf_token=lambda: _TOKEN, once_field=_no_once,
                               **context)
        if cache.max_chars:
            cache.put(key, html, sys.getsizeof(html) + 200)
    return html


def _fill(html: str) -> str:
    """The reader's own token and the page's one-time key, where the copy has its stand-in."""
    if _TOKEN_FIELD not in html:
        return html
    return html.replace(_TOKEN_FIELD, f'name="csrf_token" value="{generate_csrf()}">'
                                      f'{submission_keys.once_field()}')


def kept_part(name: str, key: tuple, **context) -> Markup:
    """Another part of a page kept as the frame is (forum/reactions/support.py): `name`
    rendered with `context` once per `key` and language, which must together decide all of
    its HTML; the reader's token and the page's one-time key go in afterwards."""
    return Markup(_fill(_kept(name, key, **context)))  # nosec B704: autoescaped template output


def site_header() -> Markup:
    """The header: the site's name, the quick exit, the menus and the search box."""
    kind = _reader_kind()
    unread = min(unread_count(current_user), UNREAD_SHOWN + 1) if kind[0] == "member" else 0
    current = request.endpoint if request.endpoint in _MENU_PAGES else None
    html = _kept("_site_header.html", (*kind, current, unread), current=current, unread=unread,
                 search_query=_QUERY)
    query = request.args.get("q", "") if current == "search.index" else ""
    # The copy's markup, the reader's token and key, and the search's words escaped.
    return Markup(_fill(html).replace(_QUERY, str(escape(query))))  # nosec B704


def site_footer() -> Markup:
    """The footer: the site's links, the language switcher, and the scripts' words."""
    html = _kept("_site_footer.html", _reader_kind(), return_to=_RETURN_SLOT)
    # The copy's markup, the reader's token and key, and this page's address escaped.
    return Markup(_fill(html).replace(_RETURN, str(return_to())))  # nosec B704


def init_app(app: Flask) -> None:
    app.extensions["frame_cache"] = TreeCache(app.config["FRAME_CACHE_BYTES"])
    app.jinja_env.globals.update(site_header=site_header, site_footer=site_footer)
