"""A page of a thread's post tree as HTML: what the thread and story pages show under their
heading, from a copy kept in this process (cache.py) when there is one still true.

Visitors share one copy per page. Members share one per page and per set of things the reader
may do there (member_key): reply, report, moderate, see hidden posts. A member's copy is
rendered for a reader who owns no post on the page and ignores no name, with a stand-in where
each CSRF token goes. Serving it to a member then takes one small query (_own_and_ignored):
the posts on the page written under one of the reader's names, or under a name the reader
ignores; only those are rendered again, for this reader, and put in their places. The copy
says nothing about who wrote what, so this process keeps no owner of an anonymous name.

Quiet support under each post (forum/reactions/) is counted on the post row, so its numbers are
in every copy (a reaction renews the thread's revision, as an edit does). What the reader pressed
is theirs alone: the copy is rendered with nothing pressed, and the same query that finds their
own posts finds what they pressed on the page, marked over the copy button by button.

A member with a post waiting for a moderator in the thread sees it in their tree (seen_by);
that changes where pages begin, so such a reader is served without the copy (rare: a first
post from a new member, until a moderator looks).
"""
from __future__ import annotations

import secrets
import sys
from functools import lru_cache
from dataclasses import dataclass
from types import SimpleNamespace

from flask import Response, current_app, render_template
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, cast, false, literal, null, or_, select, union_all
from sqlalchemy.orm import joinedload

from .. import permissions, submission_keys
from ..extensions import db
from ..i18n import language
from ..models import HELD, Handle, Ignore, Post, PostReaction, Thread
from ..profiles.ignoring import ignored_ids
from ..reactions.service import pressed_on_posts
from . import cache
from .service import post_page

# Written where each post starts and ends, and where each CSRF token goes, in a member's copy:
# random per process, so no text a member writes can contain them.
_CUT = f"\x00cut-{secrets.token_hex(8)}\x00"
_CSRF = f"csrf-{secrets.token_hex(16)}"
# Only a form's own field is filled in, never the stand-in anywhere else in the page.
_CSRF_FIELD = f'name="csrf_token" value="{_CSRF}"'.encode()
# Where the page around a tree puts it (page_with_tree). A comment: text anyone writes reaches
# a page escaped or sanitised, and neither lets a comment through.
_TREE_HERE = "<!--tree-->"


def page_with_tree(template: str, tree: bytes, **context) -> Response:
    """`template` rendered with `tree` (rendered_tree's UTF-8) where it says {{ tree }}.

    The tree is put into the response as the bytes it is kept as: the page around it is
    encoded alone. Made into one text, a page of 100 posts (100-140 KB) was encoded again on
    every request, at two bytes a character as soon as the page holds one past Latin-1 (a
    dash): 0.26 ms; and with such a character in the tree itself (a curly quote in a post),
    the template's escaping copied it once more: 0.43 ms."""
    # A constant of ours, no one's text: safe as it is.
    page = render_template(template, tree=Markup(_TREE_HERE), **context)  # nosec B704
    before, here, after = page.partition(_TREE_HERE)
    if not here:
        raise ValueError(f"{template} does not show the tree")
    return current_app.response_class(b"".join((before.encode(), tree, after.encode())),
                                      mimetype="text/html")


def _owns_nothing(*args) -> bool:
    """The shared copy's reader owns no name on the page (owns, can_edit_post, can_delete_post
    ask whose a post is; every other decision in the tree is the real reader's)."""
    return False


@dataclass(frozen=True, slots=True)
class _Listed:
    """A post on the page that this reader sees their own way: its id and its name's id."""

    id: int
    handle_id: int


@dataclass(frozen=True, slots=True)
class MemberCopy:
    """A page of posts as a member who owns none of them and ignores no one sees it."""

    pieces: tuple[bytes, ...]  # before the first post, post, between, ..., after the last
    post_ids: tuple[int, ...]  # the post in pieces[1], pieces[3], ...
    names: dict  # post id -> the name a reply to it shows ("a deleted post"...), as rendered
    anchors: dict  # post id -> its anchor
    first_path: str | None
    last_path: str | None

    @property
    def size(self) -> int:
        """The memory it holds, in bytes (a text with one character beyond Latin-1 takes two
        or four bytes a character: counting characters would not bound memory)."""
        return (sum(map(sys.getsizeof, self.pieces)) + sys.getsizeof(self.names)
                + sys.getsizeof(self.anchors) + sum(map(sys.getsizeof, self.names.values()))
                + sum(map(sys.getsizeof, self.anchors.values())) + 64 * len(self.post_ids))


def member_key(thread: Thread, after: str | None, endpoint: str, url_args: dict) -> tuple:
    """What a member's copy of this page depends on: the thread's state (as the visitors'
    key) and every decision the tree asks about its reader that is not whose a post is.
    These are asked afresh on every request, so a role change, a suspension, a restriction,
    a lock or an archived board gives another key at once."""
    user = current_user._get_current_object()  # the account, not the proxy: asked often
    return (thread.id, thread.revision, thread.post_count, thread.hidden, after, endpoint,
            tuple(sorted(url_args.items())), language(), thread.language,
            permissions.can_see_hidden(user),  # hidden posts, or "[removed]"
            permissions.can_reply(user, thread),  # Reply under each post
            permissions.can_write(user),  # Report (can_report), Ignore
            permissions.can_hide(user))  # Moderate


def rendered_tree(thread: Thread, after: str | None, endpoint: str, shown: dict | None = None,
                  **url_args) -> bytes:
    """One page of `thread`'s posts as HTML, in UTF-8, with the link to the next page: for
    page_with_tree.

    `endpoint` and `url_args` address the page the tree sits on (a story or a thread). A
    member's `shown`, when given, is filled with the page's posts (post id -> anchor): what
    their read mark moves to (forum/reading/service.py), found apart from the shared HTML."""
    if current_user.is_authenticated:
        return _members_tree(thread, after, endpoint, url_args, {} if shown is None else shown)
    visitors: cache.TreeCache = current_app.extensions["tree_cache"]
    key = None
    if visitors.max_chars:
        # The page's language (its words) and the thread's (lang= on each post): a story's
        # comments take its language when its writer changes it, with no post changing.
        key = (thread.id, thread.revision, thread.post_count, after, endpoint,
               tuple(sorted(url_args.items())), language(), thread.language)
        html = visitors.get(key)
        if html is not None:
            return html
    html = _render(thread, post_page(thread, after), endpoint, url_args, frozenset()).encode()
    if key is not None:
        visitors.put(key, html)
    return html


def _no_once() -> str:
    """In a member's copy, the one-time key comes with the CSRF token (_members_tree)."""
    return ""


def _render(thread, posts, endpoint, url_args, ignored, **context) -> str:
    # Autoescaped template output (user text in it went through forum/text.py).
    return render_template("_post_page.html", thread=thread, posts=posts, endpoint=endpoint,
                           url_args=url_args, ignored=ignored, **context)


def _readers_own_tree(thread, after, endpoint, url_args, shown) -> bytes:
    """The page rendered for this member alone, with what they wrote that waits for a
    moderator, the names they ignore folded away, and the support they gave pressed."""
    posts = post_page(thread, after, current_user.id)
    shown.update((post.id, f"p{post.public_id}") for post in posts.items)
    pressed = pressed_on_posts(current_user, [post.id for post in posts.items])
    return _render(thread, posts, endpoint, url_args, ignored_ids(current_user),
                   pressed=pressed).encode()


def _unpressed(anchor: str, kind: str) -> bytes:
    """A support button as a member's copy has it, for marking it pressed (_post_tree.html):
    the end of its address (the post's public id is its anchor's) and its state."""
    return f'/posts/{anchor[1:]}/react/{kind}" name="on" value="1" aria-pressed="false"'.encode()


def _pressed(anchor: str, kind: str) -> bytes:
    return f'/posts/{anchor[1:]}/react/{kind}" name="on" value="0" aria-pressed="true"'.encode()


def _members_tree(thread, after, endpoint, url_args, shown) -> bytes:
    members: cache.TreeCache = current_app.extensions["member_tree_cache"]
    if not members.max_chars:
        return _readers_own_tree(thread, after, endpoint, url_args, shown)
    key = member_key(thread, after, endpoint, url_args)
    copy = members.get(key)
    if copy is None:
        copy = _shared_copy(thread, after, endpoint, url_args)
        # Kept only if no decision changed while it was rendered (a suspension ending then,
        # by the clock: can_write asks utcnow()), so the copy is true of its key.
        if member_key(thread, after, endpoint, url_args) == key:
            members.put(key, copy, copy.size)
    found, pressed = _own_and_ignored(thread, copy)
    if found is None:  # something of theirs waits for a moderator here
        return _readers_own_tree(thread, after, endpoint, url_args, shown)
    shown.update((post_id, copy.anchors[post_id]) for post_id in copy.post_ids)
    pieces = list(copy.pieces)
    if found or pressed:
        place = {post_id: 2 * i + 1 for i, post_id in enumerate(copy.post_ids)}
    if found:
        posts, ignored = found
        for post, html in zip(posts, _variants(members, key, thread, posts, ignored, copy,
                                               endpoint, url_args)):
            pieces[place[post.id]] = html
    # What the reader pressed, marked in the piece of its post only: a button's formaction
    # and state, in no text anyone writes (the sanitiser keeps no formaction).
    for post_id, kind in pressed:
        at, anchor = place[post_id], copy.anchors[post_id]
        pieces[at] = pieces[at].replace(_unpressed(anchor, kind), _pressed(anchor, kind), 1)
    # The reader's own token in each form: the same one the page's other forms carry. And the
    # page's one-time key (forum/submission_keys.py) beside it, in the same pass: a copy
    # holds no key, which would be shared by every reader and every showing of the page.
    token = (f'name="csrf_token" value="{generate_csrf()}">'
             f'<input type="hidden" name="once" value="{submission_keys.page_key()}"').encode()
    return b"".join(pieces).replace(_CSRF_FIELD, token)


def _variants(members, key, thread, posts, ignored, copy, endpoint, url_args) -> list[bytes]:
    """Each of `posts` as this reader sees it: written by them ("own": Edit, Delete, "you")
    or under a name they ignore (folded). Kept beside the page's copy, by post and variant:
    the same for every reader with the same key who wrote it, or who ignores its name, so a
    kept variant says nothing about whose the post is; its token is the stand-in too."""
    variant = {post.id: "ignored" if post.handle_id in ignored else "own" for post in posts}
    found = {post.id: members.get((key, post.id, variant[post.id])) for post in posts}
    missing = [post.id for post in posts if found[post.id] is None]
    if missing:
        missing = db.session.scalars(
            select(Post).where(Post.id.in_(missing)).order_by(Post.path)
            .options(joinedload(Post.handle).joinedload(Handle.user))).unique().all()
        fresh = _render(thread, SimpleNamespace(items=missing, has_next=False), endpoint,
                        url_args, ignored, names=dict(copy.names), anchors=dict(copy.anchors),
                        cut=_CUT, csrf_token=lambda: _CSRF, once_field=_no_once).split(_CUT)
        for post, html in zip(missing, fresh[1::2]):
            found[post.id] = html = html.encode()
            members.put((key, post.id, variant[post.id]), html, sys.getsizeof(html) + 64)
    return [found[post.id] for post in posts]


def _shared_copy(thread, after, endpoint, url_args) -> MemberCopy:
    """Render the page for this reader as if they owned no post on it and ignored no name."""
    page = post_page(thread, after)
    names, anchors = {}, {}
    html = _render(thread, page, endpoint, url_args, frozenset(), names=names, anchors=anchors,
                   cut=_CUT, csrf_token=lambda: _CSRF, once_field=_no_once, owns=_owns_nothing,
                   can_edit_post=_owns_nothing, can_delete_post=_owns_nothing)
    items = page.items
    return MemberCopy(tuple(piece.encode() for piece in html.split(_CUT)),
                      tuple(post.id for post in items), names, anchors,
                      items[0].path if items else None, items[-1].path if items else None)


@lru_cache(maxsize=2)
def _own_and_ignored_statement(page_has_posts: bool):
    """_own_and_ignored's statement, built once per process (building it cost more than
    running it); the reader, the thread and the page's first and last paths are bound.

    The reader's names that can write in this thread are their public handle and their
    pseudonym here: two seeks in uq_handles_thread_id_user_id, made once per statement. Two
    parts then: the reader's posts waiting for a moderator anywhere in the thread (from
    ix_posts_held, a handful at most), and the page's own range of the tree, each post
    checked against those names and the names the reader ignores without reading its
    handle's row (100 lookups a page, as a join). One condition over the whole thread read
    every post of a 2,000-post thread (1.2-2.8 ms on SQLite 10k; 0.04 ms this way)."""
    user_id, thread_id = bindparam("user_id"), bindparam("thread_id")
    names = union_all(
        select(Handle.id).where(Handle.thread_id == thread_id, Handle.user_id == user_id),
        select(Handle.id).where(Handle.thread_id.is_(None), Handle.user_id == user_id))
    own = Post.handle_id.in_(names.scalar_subquery())
    held = select(Post.id, Post.handle_id, Post.state, literal(True).label("own")).where(
        Post.thread_id == thread_id, own, Post.held_in_sql())
    if not page_has_posts:
        return held
    ignored = Post.handle_id.in_(select(Ignore.handle_id)
                                 .where(Ignore.user_id == user_id).scalar_subquery())
    page = (Post.thread_id == thread_id,
            Post.path.between(bindparam("first_path"), bindparam("last_path")))
    on_page = select(Post.id, Post.handle_id, Post.state, own.label("own")).where(
        *page, or_(own, ignored))
    # And the support the reader gave on the page (forum/reactions/): one row per post and
    # kind, told apart by having no name (every post has one), the kind where the state is.
    pressed = select(PostReaction.post_id, cast(null(), Integer), PostReaction.kind,
                     false()).where(PostReaction.user_id == user_id,
                                    PostReaction.post_id.in_(select(Post.id).where(*page)))
    return union_all(held, on_page, pressed)


def _own_and_ignored(thread: Thread, copy: MemberCopy):
    """The posts on this page that the reader wrote or whose name they ignore, and the
    ignored names among them; and what the reader pressed on the page, as (post id, kind)
    pairs: one query. The first is None when the reader has a post waiting for a moderator
    anywhere in the thread (their page is then not the shared one)."""
    # Plain rows: which posts, and whether the reader's; the posts themselves are loaded only
    # to render a variant not kept yet (_variants).
    params = {"user_id": current_user.id, "thread_id": thread.id}
    if copy.post_ids:
        params.update(first_path=copy.first_path, last_path=copy.last_path)
    rows = db.session.execute(_own_and_ignored_statement(bool(copy.post_ids)), params).all()
    on_page = set(copy.post_ids)
    posts, ignored_names, pressed = [], set(), []
    for post_id, handle_id, state, own in rows:
        if handle_id is None:  # a reaction of the reader's
            if post_id in on_page:
                pressed.append((post_id, state))
            continue
        if own and state in HELD:
            return None, ()
        if post_id in on_page:
            posts.append(_Listed(post_id, handle_id))
            if not own:
                ignored_names.add(handle_id)
    if not posts:
        return (), pressed
    return (posts, frozenset(ignored_names)), pressed
