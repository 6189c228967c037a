"""HTML written elsewhere (an imported blog's posts and comments) as the site's own Markdown.

The site renders Markdown with raw HTML turned off and then sanitises with nh3
(forum/text.py): the one road to a page. So imported HTML is not fed to the sanitiser as HTML;
it is turned into the Markdown a member could have typed, and that Markdown takes the road
every text takes (length check, render, sanitise) and stays editable by its author.

Kept: paragraphs, line breaks, headings, quotes, lists, emphasis, strike-through, code,
tables, rules and http(s)/mailto links. Dropped with everything inside them: scripts, styles,
iframes, objects, forms, media and images. Any other tag is dropped and its text kept. Text
is escaped, so no character of it becomes Markdown (or HTML) it did not mean.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Dropped with their content: nothing in them is text a reader should see.
_DROPPED = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg",
            "math", "video", "audio", "canvas", "form", "select", "textarea", "button",
            "head", "title", "frameset", "frame", "applet", "map"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "source", "track", "wbr", "area",
         "base", "col", "embed", "param"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "aside", "main", "nav",
          "figure", "figcaption", "address", "details", "summary", "center", "dl", "dt", "dd",
          "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "pre", "hr",
          "table"}
_EMPHASIS = {"em": "*", "i": "*", "cite": "*", "strong": "**", "b": "**", "del": "~~",
             "s": "~~", "strike": "~~"}
_SCHEMES = {"http", "https", "mailto"}
# Elements nest at most this deep; deeper ones are flattened into their ancestor (the
# renderer reads Markdown nested deeper than 20 as text anyway: forum/text.py MAX_NESTING).
MAX_NESTING = 20

# Stand-ins inside inline text until a block is written out: a paragraph break (a blank line
# in WordPress's own text, which it turns into paragraphs) and a line break.
_PARA, _BR = "\ue000", "\ue001"
_ESCAPED = re.compile(r"([\\`*_\[\]<>~|])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What would start a block at the beginning of a line: escaped there.
_LINE_START = re.compile(r"^(?:([#+=-])|(\d+)([.)]))", re.MULTILINE)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")


# WordPress shortcodes: media ones go with what they hold (an address to embed), a caption's
# marks go and its words stay.
_MEDIA_SHORTCODE = re.compile(
    r"\[(embed|video|audio|gallery|playlist)\b[^\]]{0,2000}\](?:[^\[]{0,2000}\[/\1\])?",
    re.IGNORECASE)
_CAPTION_SHORTCODE = re.compile(r"\[/?caption\b[^\]]{0,2000}\]", re.IGNORECASE)


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children = tag, attrs, []


class _Tree(HTMLParser):
    """A forgiving light tree of the HTML: unclosed tags close with their parent."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if self.dropping:
            if tag in _DROPPED and tag not in _VOID:
                self.dropping += 1
            return
        if tag in _DROPPED:
            self.dropping = 0 if tag in _VOID else 1
            return
        if tag in ("p", "li") and self.stack[-1].tag == tag:
            self.stack.pop()  # <p>one<p>two: the second closes the first
        if len(self.stack) > MAX_NESTING and tag not in _VOID:
            return  # deeper markup is flattened: its words stay, in the element above
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        if not self.dropping and tag not in _DROPPED:
            self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if self.dropping:
            if tag in _DROPPED:
                self.dropping -= 1
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self.dropping:
            self.stack[-1].children.append(data)


def to_markdown(source: str, base_url: str = "") -> str:
    """The Markdown that shows what `source` (HTML) meant, with nothing unsafe left in it.

    Relative links are made absolute against `base_url` (the old blog's address)."""
    tree = _Tree()
    tree.feed(_CAPTION_SHORTCODE.sub("", _MEDIA_SHORTCODE.sub("", source or "")))
    tree.close()
    return "\n\n".join(_Writer(base_url).blocks(tree.root.children)).strip()


class _Writer:
    def __init__(self, base_url: str):
        self.base_url = base_url

    # --- blocks: each a list of Markdown blocks, joined by blank lines ----------------------

    def blocks(self, children: list, pre: bool = False) -> list[str]:
        out: list[str] = []
        inline: list[str] = []
        for child in children:
            if isinstance(child, _Node) and child.tag in _BLOCK:
                out += _paragraphs("".join(inline))
                inline = []
                out += self.block(child)
            else:
                inline.append(self.inline(child))
        return out + _paragraphs("".join(inline))

    def block(self, node: _Node) -> list[str]:
        tag = node.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            words = _one_line(self.inlines(node.children))
            return [f"{'#' * int(tag[1])} {words}"] if words else []
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(node.children))
            return [_prefix(inner, "> ", ">")] if inner.strip() else []
        if tag in ("ul", "ol"):
            return self.listing(node)
        if tag == "li":
            return self.listing(_Node("ul", {}), [node])
        if tag == "pre":
            return [_fence(_plain(node))] if _plain(node).strip() else []
        if tag == "hr":
            return ["* * *"]
        if tag == "table":
            return self.table(node)
        return self.blocks(node.children)

    def listing(self, node: _Node, items: list | None = None) -> list[str]:
        items = items or [c for c in node.children if isinstance(c, _Node) and c.tag == "li"]
        start = _int(node.attrs.get("start"), 1) if node.tag == "ol" else 0
        lines = []
        for n, item in enumerate(items):
            marker = f"{start + n}. " if node.tag == "ol" else "- "
            inner = "\n\n".join(self.blocks(item.children)) or "\u00a0"
            lines.append(marker + _prefix(inner, " " * len(marker), "")[len(marker):])
        return ["\n".join(lines)] if lines else []

    def table(self, node: _Node) -> list[str]:
        rows = [r for r in _descendants(node, "tr")]
        cells = [[_one_line(self.inlines(c.children)).replace("\n", " ")
                  for c in r.children if isinstance(c, _Node) and c.tag in ("td", "th")]
                 for r in rows]
        cells = [r for r in cells if r]
        if not cells:
            return []
        width = max(len(r) for r in cells)
        cells = [r + [""] * (width - len(r)) for r in cells]
        lines = ["| " + " | ".join(r) + " |" for r in cells]
        lines.insert(1, "|" + " --- |" * width)
        return ["\n".join(lines)]

    # --- inline text ------------------------------------------------------------------------

    def inlines(self, children: list) -> str:
        return "".join(self.inline(c) for c in children)

    def inline(self, node) -> str:
        if isinstance(node, str):
            return _text(node)
        tag = node.tag
        if tag == "br":
            return _BR
        if tag in _EMPHASIS:
            return _wrap(self.inlines(node.children), _EMPHASIS[tag])
        if tag in ("code", "kbd", "samp", "tt"):
            code = _one_line(_plain(node).replace("\n", " "))
            if not code.strip():
                return ""
            ticks = "`" * (max((len(r) for r in re.findall("`+", code)), default=0) + 1)
            return f"{ticks} {code} {ticks}" if "`" in code else f"`{code}`"
        if tag == "a":
            words = self.inlines(node.children)
            href = self.link(node.attrs.get("href", ""))
            if not words.replace(_BR, "").replace(_PARA, "").strip():
                return ""
            if not href:
                return words
            return f"[{_one_line(words)}]({href})"
        if tag in _BLOCK:  # a block inside inline markup: its words, on their own
            return _PARA + "\n\n".join(self.blocks(node.children)) + _PARA
        return self.inlines(node.children)

    def link(self, href: str) -> str:
        href = urljoin(self.base_url + "/", href.strip()) if self.base_url else href.strip()
        if urlsplit(href).scheme.lower() not in _SCHEMES:
            return ""
        return re.sub(r"[\s()<>]", lambda m: "%{:02X}".format(ord(m.group())), href)


def _descendants(node: _Node, tag: str):
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag == tag:
                yield child
            else:
                yield from _descendants(child, tag)


def _plain(node) -> str:
    """The text of a node as typed, for code: no escaping, line breaks kept."""
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_plain(c) for c in node.children)


def _text(data: str) -> str:
    data = _ENTITY_LIKE.sub(r"\\&", _ESCAPED.sub(r"\\\1", data.replace("\r\n", "\n")))
    data = re.sub(r"\n[ \t]*\n\s*", _PARA, data)
    return _SPACES.sub(" ", data.replace("\n", _BR))


def _wrap(words: str, mark: str) -> str:
    """Emphasis around `words`, the spaces around them kept outside the marks."""
    core = words.strip(" " + _BR)
    if not core or _PARA in core:
        return words
    lead = words[: len(words) - len(words.lstrip(" " + _BR))]
    trail = words[len(words.rstrip(" " + _BR)):]
    return f"{lead}{mark}{core}{mark}{trail}"


def _one_line(words: str) -> str:
    return _SPACES.sub(" ", words.replace(_PARA, " ").replace(_BR, " ")).strip()


def _paragraphs(inline: str) -> list[str]:
    out = []
    for part in inline.split(_PARA):
        lines = [_SPACES.sub(" ", line).strip() for line in part.split(_BR)]
        lines = [line for line in lines if line]
        if lines:
            out.append(_LINE_START.sub(_escape_start, "\\\n".join(lines)))
    return out


def _escape_start(match: re.Match) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def _prefix(text: str, first: str, blank: str) -> str:
    return "\n".join((first if line else blank) + line for line in text.split("\n"))


def _fence(code: str) -> str:
    ticks = "`" * max(3, max((len(r) for r in re.findall("`+", code)), default=0) + 1)
    return f"{ticks}\n{code.strip(chr(10))}\n{ticks}"


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, min(int(value or ""), 10**6))
    except ValueError:
        return default
