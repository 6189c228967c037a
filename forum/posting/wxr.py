"""Reading a WordPress export (WXR 1.0 to 1.2): its posts and their comments as plain values.

The file is read as a stream with defusedxml: no DTD, no entity of any kind, no external
reference, so a billion-laughs or external-entity file stops at its declaration. Each <item>
is read, handed on and cleared before the next, so memory holds one post and its comments
whatever the size of the export.

Nobody's identity is read into these values: a commenter's email, IP address and web address
are never copied out of the XML, and their text is dropped from the parsed tree as soon as
the parser has read each of those elements.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Iterable, Iterator
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape as xml_escape

from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from defusedxml.ElementTree import iterparse

from ..refusals import Refusal

_WP = "{http://wordpress.org/export/"
_NAMESPACES = {
    "{http://purl.org/rss/1.0/modules/content/}": "content:",
    "{http://purl.org/dc/elements/1.1/}": "dc:",
    "{http://wordpress.org/export/1.0/excerpt/}": "excerpt:",
    "{http://wordpress.org/export/1.1/excerpt/}": "excerpt:",
    "{http://wordpress.org/export/1.2/excerpt/}": "excerpt:",
}
# Elements whose text is someone's identity: emptied the moment the parser has read them.
_IDENTITY = {"wp:comment_author_email", "wp:comment_author_IP", "wp:comment_author_url",
             "wp:author_email"}
VERSIONS = ("1.0", "1.1", "1.2")
_QUOTE = {'"': "&quot;"}
# A commenter's name that is really an email or web address: shown as "Guest" on the site
# (import_thread.imported_name), and kept as "Guest" in a scrubbed copy.
LOOKS_LIKE_CONTACT = re.compile(r"@|://|www\.|\.(com|org|net)\b", re.IGNORECASE)
GUEST = "Guest"


class WxrError(Refusal):
    """The file cannot be imported at all; `message` says why, in the importer's words (a
    Refusal, so a view that takes an upload answers it as any other: 400, never a 5xx)."""


@dataclass(frozen=True)
class Term:
    """A category or tag of a post: its kind, its slug on the blog and its name."""

    kind: str  # "category" or "post_tag"
    slug: str
    name: str


@dataclass(frozen=True)
class Comment:
    """A comment as the importer needs it: no email, no address, no link."""

    id: int
    parent: int  # 0: a reply to the post itself
    author: str
    user_id: int  # the WordPress account that wrote it; 0 for a guest
    date: datetime
    body: str  # HTML, as WordPress stored it
    approved: str  # "1", "0", "spam", "trash"
    kind: str  # "comment" (or ""), "pingback", "trackback"


@dataclass
class Item:
    """One <item>: a post, page or attachment, with its comments."""

    id: int = 0
    title: str = ""
    link: str = ""
    post_type: str = ""
    status: str = ""
    comment_status: str = ""
    creator: str = ""
    day: date | None = None
    body: str = ""
    terms: list[Term] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def old_path(self) -> str:
        """The post's path on the old blog, with its query ("/?p=12"), for redirects."""
        parts = urlsplit(self.link.strip())
        path = parts.path or "/"
        return (path + ("?" + parts.query if parts.query else ""))[:500]

    @property
    def is_published_post(self) -> bool:
        return self.post_type == "post" and self.status == "publish"


@dataclass
class Blog:
    """What the channel says about the blog: its address and its authors' WordPress ids."""

    version: str = ""
    address: str = ""
    author_ids: dict[str, int] = field(default_factory=dict)  # login -> id

    @property
    def source(self) -> str:
        """The blog's address without its scheme: the key its imports are recorded under."""
        parts = urlsplit(self.address.strip())
        host = (parts.hostname or "").lower()
        return (host + parts.path.rstrip("/"))[:255]


def _name(tag: str) -> str:
    """`{namespace}local` as the prefixed name WXR files use ("wp:post_id")."""
    if not tag.startswith("{"):
        return tag
    uri, _brace, local = tag[1:].partition("}")
    uri = "{" + uri + "}"
    if uri.startswith(_WP) and "excerpt" not in uri:
        return "wp:" + local
    return _NAMESPACES.get(uri, "") + local


def _int(text: str | None) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return 0


def _datetime(text: str | None) -> datetime | None:
    try:
        return datetime.strptime((text or "").strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _comment(element) -> Comment | None:
    values = {_name(child.tag): child.text or "" for child in element
              if _name(child.tag) not in _IDENTITY}
    when = (_datetime(values.get("wp:comment_date_gmt"))
            or _datetime(values.get("wp:comment_date")))
    comment_id = _int(values.get("wp:comment_id"))
    if when is None or comment_id <= 0:
        return None
    return Comment(
        id=comment_id, parent=_int(values.get("wp:comment_parent")),
        author=html.unescape(values.get("wp:comment_author", "")).strip(),
        user_id=_int(values.get("wp:comment_user_id")), date=when,
        body=values.get("wp:comment_content", ""),
        approved=values.get("wp:comment_approved", "").strip().lower(),
        kind=values.get("wp:comment_type", "").strip().lower(),
    )


def _item(element) -> Item:
    item = Item()
    for child in element:
        name, value = _name(child.tag), child.text or ""
        if name == "wp:post_id":
            item.id = _int(value)
        elif name == "title":
            item.title = html.unescape(value).strip()
        elif name == "link":
            item.link = value
        elif name == "wp:post_type":
            item.post_type = value.strip()
        elif name == "wp:status":
            item.status = value.strip()
        elif name == "wp:comment_status":
            item.comment_status = value.strip()
        elif name == "dc:creator":
            item.creator = value.strip()
        elif name == "content:encoded":
            item.body = value
        elif name == "wp:post_date_gmt" or (name == "wp:post_date" and item.day is None):
            when = _datetime(value)
            if when is not None and when.year > 1:  # WordPress writes 0000-00-00 for drafts
                item.day = when.date()
        elif name == "category" and child.get("domain") in ("category", "post_tag"):
            item.terms.append(Term(child.get("domain"), (child.get("nicename") or "").strip(),
                                   html.unescape(value).strip()))
        elif name == "wp:comment":
            comment = _comment(child)
            if comment is not None:
                item.comments.append(comment)
    return item


def read(source: str | IO[bytes], blog: Blog) -> Iterator[Item]:
    """Every <item> of the export in file order, `blog` filled from the channel as it goes
    (the channel's address and authors come before its items in every WordPress export).

    Raises WxrError for a file that is not a WordPress export, is cut short or malformed,
    or declares a DTD or entities."""
    depth = 0
    channel = None
    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth == 1 and _name(element.tag) != "rss":
                    raise WxrError(_("This is not a WordPress export: it is not an RSS file."))
                if depth == 2 and _name(element.tag) == "channel":
                    channel = element
                continue
            depth -= 1
            name = _name(element.tag)
            if name in _IDENTITY:
                element.text = None  # never kept, not even in the parsed tree
            if depth != 2 or channel is None:
                continue
            if name == "wp:wxr_version":
                blog.version = (element.text or "").strip()
            elif name in ("wp:base_blog_url", "wp:base_site_url", "link"):
                if name == "wp:base_blog_url" or not blog.address:
                    blog.address = (element.text or "").strip()
            elif name == "wp:author":
                values = {_name(c.tag): (c.text or "").strip() for c in element}
                blog.author_ids[values.get("wp:author_login", "")] = _int(
                    values.get("wp:author_id"))
            elif name == "item":
                if blog.version not in VERSIONS:
                    raise WxrError(_("This is not a WordPress export (WXR 1.0 to 1.2): it "
                                     "has no wp:wxr_version before its first post."))
                yield _item(element)
            # Whatever the channel held is done with: memory holds one item at a time.
            channel.remove(element)
    except DefusedXmlException as refused:
        # Translators: %(error)s is the name of the check that refused the file, such as
        # "EntitiesForbidden".
        raise WxrError(_("This file declares a document type or entities, which a WordPress "
                         "export never does; it was refused and nothing was imported "
                         "(%(error)s).", error=type(refused).__name__)) from refused
    except ParseError as broken:
        # Translators: %(error)s is the XML reader's own description, in English, such as
        # "no element found: line 12, column 3".
        raise WxrError(_("This file is not well-formed XML (cut short or damaged: "
                         "%(error)s); nothing was imported.", error=broken)) from broken
    if channel is None or blog.version not in VERSIONS:
        raise WxrError(_("This is not a WordPress export (WXR 1.0 to 1.2): no channel with a "
                         "wp:wxr_version was found; nothing was imported."))


# --- the scrubbed copy kept between a member's upload and their confirmation ---------------

_SCRUBBED_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
)


def _el(name: str, value, attrs: str = "") -> str:
    return f"<{name}{attrs}>{xml_escape(str(value))}</{name}>"


def _text(name: str, value: str, attrs: str = "") -> str:
    """An element read() unescapes as HTML once more (a title, a name): escaped for it."""
    return _el(name, html.escape(value, quote=False), attrs)


def _scrubbed_comment(comment: Comment, creator: str) -> str:
    """A comment with only what the importer reads; one that will stay behind (spam, waiting,
    a pingback) keeps only its place in the tree, not its author's name or its words."""
    # The same rule as import_report.comment_skip, which imports this module.
    kept = comment.kind not in ("pingback", "trackback") and comment.approved == "1"
    parts = [_el("wp:comment_id", comment.id), _el("wp:comment_parent", comment.parent),
             _el("wp:comment_user_id", comment.user_id),
             _el("wp:comment_date_gmt", comment.date.strftime("%Y-%m-%d %H:%M:%S")),
             _el("wp:comment_approved", comment.approved), _el("wp:comment_type", comment.kind)]
    if kept:
        # The post's author's own name stays (it says the reply is the member's); a guest's
        # name that is an email or web address is "Guest" already here.
        author = comment.author
        if author != creator and LOOKS_LIKE_CONTACT.search(author):
            author = GUEST
        parts += [_text("wp:comment_author", author),
                  _el("wp:comment_content", comment.body)]
    return "<wp:comment>" + "".join(parts) + "</wp:comment>\n"


def _scrubbed_item(item: Item) -> str:
    """An item with only what the importer reads: a post that will not be imported (a draft,
    a page, an attachment) keeps only what the report counts it by."""
    parts = [_el("wp:post_id", item.id), _el("wp:post_type", item.post_type),
             _el("wp:status", item.status)]
    if item.is_published_post:
        parts += [_text("title", item.title), _el("link", item.link),
                  _el("dc:creator", item.creator),
                  _el("wp:comment_status", item.comment_status),
                  _el("content:encoded", item.body)]
        if item.day is not None:
            parts.append(_el("wp:post_date_gmt", f"{item.day:%Y-%m-%d} 00:00:00"))
        parts += [_text("category", term.name,
                      f' domain="{term.kind}" nicename="{xml_escape(term.slug, _QUOTE)}"')
                  for term in item.terms]
        parts += [_scrubbed_comment(comment, item.creator) for comment in item.comments]
    return "<item>" + "".join(parts) + "</item>\n"


def write_scrubbed(items: Iterable[Item], blog: Blog, out: IO[str]) -> int:
    """Write `items` (as read() yields them, `blog` filled as it goes) to `out` as a minimal
    WXR 1.2 file that read() and the importer take as the original: the blog's address and
    authors' ids, and per post only the fields the importer reads. No email, IP address or
    web address of anyone is in it (read() never copied them out), and nothing of a post or
    comment that will stay behind but what the report counts. Returns the items written.

    The channel's values come last in the original's order of reading but must come first in
    the file, so the items go to a list of strings first: one post at a time is small, and
    the whole copy is what is stored anyway."""
    body, count = [], 0
    for item in items:
        body.append(_scrubbed_item(item))
        count += 1
    out.write(_SCRUBBED_HEAD)
    out.write(_el("wp:wxr_version", "1.2") + "\n")
    out.write(_el("wp:base_blog_url", blog.address) + "\n")
    for login, author_id in blog.author_ids.items():
        out.write("<wp:author>" + _el("wp:author_id", author_id)
                  + _el("wp:author_login", login) + "</wp:author>\n")
    out.writelines(body)
    out.write("</channel>\n</rss>\n")
    return count
