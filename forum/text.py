"""The one road from a person's Markdown to what pages show: sanitised HTML and a plain excerpt.

A text is rendered once, when it is written (and for a preview); pages show what was stored.
Every text the site accepts (MAX_BODY_CHARS, 100,000 characters) renders in well under 100 ms:

1. Markup beyond what any ordinary text uses is read as literal characters. markdown-it-py
   spends time per markup character, and some constructs cost far more than others: an `[`
   that never closes makes the parser look ahead to the end of its paragraph, up to
   MAX_NESTING levels deep. So past the first thousand link openers, the first thousands of
   emphasis marks, backticks, `<`, `&` or backslashes (MARKUP_LIMITS), or MARKUP_CAP markup
   characters of any kind, the rest of that kind is swapped for stand-in characters the
   parser reads as plain text, and swapped back into the output. A text under those counts
   (any ordinary one) is parsed exactly as before, byte for byte.
2. Whatever still costs too much runs out of a fixed budget of work, counted where the parser
   does its work (each block and inline step, each look-ahead, each character a link scan
   reads) and for the sanitiser by the size of what it would read. A text that runs out is
   shown as escaped plain text, paragraphs and line breaks kept, never half-formatted.
   The budget is counted in steps, not seconds, so a text renders the same whatever the
   server's load: a preview shows exactly what publishing will store. (A clock could not stop
   the parser anyway: signals only reach the main thread, and a thread cannot be killed.)
"""
from __future__ import annotations

import html
import re
import threading
import unicodedata
from itertools import islice
from types import SimpleNamespace
from typing import NamedTuple

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.helpers import parseLinkDestination, parseLinkLabel, parseLinkTitle
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import reference as _reference
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdurl import encode as url_encode

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "s", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
    "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
# A story's h2-h4 headings keep the ids made for them here (_heading_ids), and only those:
# every id also starts with HEADING_ID_PREFIX (the sanitiser adds it to any other), so that
# no text can take the id of something on the page around it.
HEADING_TAGS = {"h2": 2, "h3": 3, "h4": 4}
HEADING_ID_PREFIX = "s-"
HEADING_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, **{tag: {"id"} for tag in HEADING_TAGS}}
# The most headings a table of contents lists (the ids go on every heading all the same).
TOC_MAX = 60
ALLOWED_SCHEMES = {"http", "https", "mailto"}
# noreferrer too: a link followed from a feed reader or a saved page names no page of ours.
LINK_REL = "nofollow ugc noopener noreferrer"

# What lists, feeds and profiles show of a text.
EXCERPT_CHARS = 240

# Containers (quotes, lists) and inline constructs nest at most this deep; deeper markup is
# text. CommonMark's own preset uses 20; markdown-it's default of 100 made every unclosed `[`
# look ahead 100 levels.
MAX_NESTING = 20
# How many of each kind of markup a text may use before the rest of that kind is literal.
# An ordinary long story uses a few dozen of each; the budget bounds them all together.
MARKUP_LIMITS = {"[": 1_000, "*_~": 4_000, "`": 4_000, "<": 2_000, "&": 2_000, "\\": 2_000}
# ... and of all markup characters together (line breaks, `#`, `-`, `:` and the rest).
MARKUP_CAP = 20_000
# Units of parser and sanitiser work one text may use, each about a microsecond of a server
# core: the known worst cases stop within about 50 ms on an idle server core, 12 times an
# ordinary story of the same length at most (measured by
# tests/security/test_render_budget.py). Ordinary texts of any accepted length fit, except
# the densest: bulleted lists past about 60,000 characters, tables past about 25,000.
WORK_BUDGET = 75_000

# Characters that end a run of plain text for markdown-it (its inline "terminators").
_MARKUP = "\n!#$%&*+-:<=>@[\\]^_`{}~"
# Stand-ins: Unicode noncharacters, which no one types and the parser treats as plain text.
_STAND_IN = {c: chr(0xFDD0 + i) for i, c in enumerate(_MARKUP)}
_STAND_INS = re.compile("[\ufdd0-\ufdef]")

_markdown = MarkdownIt("js-default").enable("table").enable("strikethrough")
_markdown.options["maxNesting"] = MAX_NESTING


class Heading(NamedTuple):
    """A heading of a story, for its table of contents: its level (2-4), its words, and the
    id its tag carries in the story's HTML."""

    level: int
    text: str
    id: str


class Rendered(NamedTuple):
    """A text as pages show it: safe HTML, and the start of it as plain text."""

    html: str
    excerpt: str
    # False when the text was too intricate to format within the budget: shown as plain text.
    formatted: bool
    # How many words it has, as a reader sees them (a story's reading time).
    words: int = 0
    # With render(headings=True): its h2-h4 headings, in order (at most TOC_MAX).
    headings: tuple[Heading, ...] = ()


def render(markdown: str, excerpt_chars: int = EXCERPT_CHARS, *,
           headings: bool = False) -> Rendered:
    """Turn a person's Markdown into HTML that is safe in any page, and a plain excerpt of it.

    With `headings` (a story, which a page shows alone: a thread's posts would repeat ids),
    each h2-h4 heading gets a stable id, unique in the text and starting with
    HEADING_ID_PREFIX, and the headings come back for a table of contents."""
    budget = _Budget(WORK_BUDGET)
    _local.budget = budget
    found: tuple[Heading, ...] = ()
    try:
        budget.spend(_source_work(markdown))
        env: dict = {"headings": [] if headings else None}
        page = _markdown.render(markdown, env)
        if env.get("limited"):
            page = _restore(page)
        budget.spend(_sanitiser_work(page))
        safe = nh3.clean(page, tags=ALLOWED_TAGS,
                         attributes=HEADING_ATTRIBUTES if headings else ALLOWED_ATTRIBUTES,
                         url_schemes=ALLOWED_SCHEMES, link_rel=LINK_REL, strip_comments=True,
                         id_prefix=HEADING_ID_PREFIX)
        formatted = True
        if headings:
            found = tuple(env["headings"][:TOC_MAX])
    except _OverBudget:
        safe, formatted = plain_html(markdown), False
    finally:
        _local.budget = None
    return Rendered(safe, excerpt(safe, excerpt_chars), formatted,
                    len(_plain_words(safe)), found)


def normalise(text: str | None, *, strip: bool = False) -> str:
    """A person's text as the site stores it: every line break a newline, no NUL characters,
    and with `strip` no blank space around it."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.strip() if strip else text


def plain_html(text: str) -> str:
    """A text as escaped plain paragraphs, line breaks kept: markup only from us, none from it."""
    paragraphs = (p.strip("\n") for p in _BLANK_LINES.split(text.replace("\r\n", "\n")))
    return "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n"
                   for p in paragraphs if p.strip())


def excerpt(safe_html: str, length: int = EXCERPT_CHARS) -> str:
    """The start of a rendered text as plain words, at most `length` characters."""
    # Only the start is needed: read a growing prefix until it holds more than `length`
    # characters of text (a long text's references would otherwise be unescaped one by one).
    size = 8 * length
    while True:
        words = " ".join(_plain_words(start_of(safe_html, size)))
        if len(words) > length or size >= len(safe_html):
            return cut(words, length)
        size *= 4


def start_of(safe_html: str, size: int) -> str:
    """At most `size` characters from the start of sanitised HTML, cutting no tag or
    character reference in two."""
    if len(safe_html) <= size:
        return safe_html
    prefix = safe_html[:size]
    end = len(prefix)
    tag = prefix.rfind("<")
    if tag > prefix.rfind(">"):
        end = tag
    reference = prefix.rfind("&", 0, end)
    if reference > prefix.rfind(";", 0, end):
        end = reference
    return prefix[:end]


def _plain_words(safe_html: str) -> list[str]:
    # Sanitised HTML quotes every attribute, so a tag ends at the first `>` outside quotes;
    # the text between tags is escaped, and unescaped here so a template escapes it once.
    return html.unescape(_TAG.sub("", safe_html)).split()


def cut(text: str, length: int) -> str:
    """`text` if it fits in `length` characters, else its first words and an ellipsis."""
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')


# --- 1. markup beyond the limits is read as text --------------------------------------------

def _as_text(text: str, chars: str) -> str:
    """`text` with each of `chars` swapped for its stand-in (str.replace: C speed)."""
    for c in chars:
        if c in text:
            text = text.replace(c, _STAND_IN[c])
    return text


_LIMITED = list(MARKUP_LIMITS.items())
_AS_TYPED = {s: escapeHtml(c) for c, s in _STAND_IN.items()}
# In a link's address the parser percent-encodes a stand-in; put back what it does to the
# character itself (a `%` stays as typed: it may begin an escape of the writer's own).
_ENCODED = {url_encode(s): escapeHtml(url_encode(c) if c != "%" else c)
            for c, s in _STAND_IN.items()}
_ENCODED_STAND_IN = re.compile("|".join(map(re.escape, _ENCODED)))


def _over(text: str) -> bool:
    """Whether a text uses more markup than the limits let through (counted generously)."""
    if _count(text, _MARKUP) > MARKUP_CAP:
        return True
    return any(_count(text, chars) > limit for chars, limit in _LIMITED)


def _count(text: str, chars: str) -> int:
    return sum(text.count(c) for c in chars)


def _nth(text: str, chars: str, n: int) -> int:
    """Where the `n`th (from 1) of `chars` is in `text`; len(text) if there are fewer."""
    found = next(islice(re.finditer("[" + re.escape(chars) + "]", text), n - 1, None), None)
    return found.start() if found else len(text)


def _limit_markup(state) -> None:
    """Core rule, between block and inline parsing: past each limit, markup becomes text.

    Only inline text is touched (paragraphs, headings, table cells), in reading order; code
    blocks and the block structure are already parsed. Stand-ins stay in the tokens and come
    out in the HTML, where render() puts the characters back, escaped as the parser would.
    """
    if not _over(state.src):
        return
    state.env["limited"] = True
    if _STAND_INS.search(state.src):
        # A stand-in the writer typed would come back as markup: it becomes U+FFFD.
        for token in state.tokens:
            token.content = _STAND_INS.sub("\ufffd", token.content)
            token.info = _STAND_INS.sub("\ufffd", token.info)
    inline = [token for token in state.tokens if token.type == "inline"]
    _local.budget.spend(2 * len(inline))
    # All the inline text in reading order, as one string (the parser turned any NUL into
    # U+FFFD, so NUL can part the pieces): each limit is found and applied at C speed.
    joined = "\0".join(token.content for token in inline)
    for chars, limit in [*_LIMITED, (_MARKUP, MARKUP_CAP)]:
        if _count(joined, chars) > limit:
            at = _nth(joined, chars, limit + 1)
            joined = joined[:at] + _as_text(joined[at:], chars)
    for token, content in zip(inline, joined.split("\0")):
        token.content = content


def _restore(page: str) -> str:
    """Put the characters that were read as text back into the HTML, escaped."""
    if "%EF%B7%" in page:
        page = _ENCODED_STAND_IN.sub(lambda m: _ENCODED[m.group()], page)
    for stand_in, typed in _AS_TYPED.items():
        if stand_in in page:
            page = page.replace(stand_in, typed)
    return page


_markdown.core.ruler.after("block", "limit_markup", _limit_markup)


# --- 2. the budget ------------------------------------------------------------------------

class _OverBudget(Exception):
    """The text needs more work than one text may use."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self, units: int):
        self.left = units

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise _OverBudget


# The budget of the render running in this thread (the parser is shared by all threads).
_local = threading.local()
# What each kind of work costs, in units. A block start tries every block rule at a line; a
# block check asks whether a line ends the block around it; an inline step tries the inline
# rules at one position (a check: without making tokens); a look-ahead steps over one token
# while a link label is sought; a token is one piece of the parsed text.
_BLOCK_START = 4
_BLOCK_CHECK = 1
_INLINE_STEP = 2
_INLINE_CHECK = 1
_LOOK_AHEAD = 1
_BLOCK_TOKEN = 6
_INLINE_TOKEN = 3
_REFERENCE = 12
# A story's heading given its id (its words read again, made an id, checked unique).
_HEADING = 4
# Characters a link's address or title scan reads, per unit.
_SCAN_CHARS = 2
# Reading the text at all: characters per unit, and units per line.
_SOURCE_CHARS = 20
_SOURCE_LINE = 2
# The sanitiser: characters per unit, and units per tag and per character reference.
_SANITISE_CHARS = 40
_SANITISE_TAG = 1
_SANITISE_REFERENCE = 2


def _source_work(text: str) -> int:
    return len(text) // _SOURCE_CHARS + text.count("\n") * _SOURCE_LINE


def _sanitiser_work(page: str) -> int:
    """The sanitiser's work on `page`: it grows with the tags and character references."""
    return (len(page) // _SANITISE_CHARS + page.count("<") * _SANITISE_TAG
            + page.count("&") * _SANITISE_REFERENCE)


def _block_step(state, start_line, end_line, silent) -> bool:
    _local.budget.spend(_BLOCK_CHECK if silent else _BLOCK_START)
    return False


def _inline_step(state, silent) -> bool:
    _local.budget.spend(_INLINE_CHECK if silent else _INLINE_STEP)
    return False


class _BlockState(StateBlock):
    def push(self, ttype, tag, nesting):
        _local.budget.spend(_BLOCK_TOKEN)
        return StateBlock.push(self, ttype, tag, nesting)


class _InlineState(StateInline):
    def push(self, ttype, tag, nesting):
        _local.budget.spend(_INLINE_TOKEN)
        return StateInline.push(self, ttype, tag, nesting)

    def pushPending(self):
        _local.budget.spend(_INLINE_TOKEN)
        return StateInline.pushPending(self)


def _parse_blocks(src, md, env, tokens):
    # ParserBlock.parse, with a state that counts the tokens it makes.
    if not src:
        return None
    state = _BlockState(src, md, env, tokens)
    md.block.tokenize(state, state.line, state.lineMax)
    return state.tokens


def _parse_inline(src, md, env, tokens):
    # ParserInline.parse, with a state that counts the tokens it makes.
    state = _InlineState(src, md, env, tokens)
    md.inline.tokenize(state)
    for rule in md.inline.ruler2.getRules(""):
        rule(state)
    return state.tokens


_skip_token = _markdown.inline.skipToken


def _counted_skip_token(state) -> None:
    # A link label's look-ahead steps over one token at a time, mostly from a cache that the
    # rules never see: each step counts.
    _local.budget.spend(_LOOK_AHEAD)
    _skip_token(state)


def _counted_reference(state, start_line, end_line, silent) -> bool:
    found = _reference(state, start_line, end_line, silent)
    if found:
        _local.budget.spend(_REFERENCE)
    return found


_SCAN_END = re.compile(r"[\x00-\x20\x7f]")


def _counted_destination(string: str, pos: int, maximum: int):
    result = parseLinkDestination(string, pos, maximum)
    # A failed scan stops at the latest at the first space or control character.
    end = result.pos if result.ok else (
        (found.start() if (found := _SCAN_END.search(string, pos, maximum)) else maximum))
    _local.budget.spend((end - pos) // _SCAN_CHARS)
    return result


def _counted_title(string: str, start: int, maximum: int, prev_state=None):
    result = parseLinkTitle(string, start, maximum, prev_state)
    if result.ok or result.can_continue:  # else it stopped at once, or at a `(`
        _local.budget.spend(((result.pos if result.ok else maximum) - start) // _SCAN_CHARS)
    return result


# --- 3. bare web addresses become links -----------------------------------------------------

# A web address typed out in the text. It ends before a space or a character that cannot be in
# an address as people type one; trailing punctuation is the sentence's, not the address's.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"


def _address_end(url: str) -> str:
    """`url` without the sentence's punctuation after it; a closing bracket stays only when
    the address opened one (a Wikipedia title), not when it ends the writer's aside."""
    while url:
        if url[-1] in _TRAILING:
            url = url[:-1]
        elif url[-1] == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        else:
            break
    return url


def _bare_links(state) -> None:
    """Core rule, last: each `https://...` in plain text (not in a link, not in code) becomes
    a link to itself. The sanitiser still checks every address and adds its rel."""
    for block in state.tokens:
        if block.type != "inline" or not block.children or "://" not in block.content:
            continue
        children, depth = [], 0
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type != "text" or depth > 0 or "://" not in token.content:
                children.append(token)
                continue
            children.extend(_split_links(state, token))
        block.children = children


def _split_links(state, token) -> list:
    """`token` as text and link tokens, one link per address in it."""
    out, text_so_far, at = [], token.content, 0
    for found in _BARE_URL.finditer(text_so_far):
        url = _address_end(found.group())
        href = state.md.normalizeLink(url)
        if url.split("://", 1)[1] and state.md.validateLink(href):
            _local.budget.spend(3 * _INLINE_TOKEN)
            if found.start() > at:
                out.append(_text_token(text_so_far[at:found.start()], token))
            link = Token("link_open", "a", 1)
            link.attrs = {"href": href}
            link.markup, link.info = "linkify", "auto"
            out += [link, _text_token(state.md.normalizeLinkText(url), token),
                    Token("link_close", "a", -1)]
            at = found.start() + len(url)
    if at == 0:
        return [token]
    if at < len(text_so_far):
        out.append(_text_token(text_so_far[at:], token))
    return out


def _text_token(content: str, like) -> Token:
    made = Token("text", "", 0)
    made.content, made.level = content, like.level
    return made


_markdown.core.ruler.push("bare_links", _bare_links)


# --- 4. a story's headings get ids --------------------------------------------------------

_FROM_STAND_IN = {s: c for c, s in _STAND_IN.items()}


def _heading_words(inline: Token) -> str:
    words = "".join(child.content for child in inline.children or ()
                    if child.type in ("text", "code_inline"))
    return " ".join(_STAND_INS.sub(lambda m: _FROM_STAND_IN.get(m.group(), ""), words).split())


def _heading_id(words: str, taken: dict[str, int]) -> str:
    """HEADING_ID_PREFIX and the heading's words as lower-case ASCII and dashes; the same
    words again get -2, -3... A heading with no such letters is a numbered "section".

    `taken` holds every id given so far, each with the last number tried after it: a
    thousand headings of the same words cost a thousand steps, not half a million."""
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_words.lower()).strip("-")[:60].strip("-")
    base = HEADING_ID_PREFIX + (base or f"section-{len(taken) + 1}")
    made, n = base, taken.get(base, 1)
    while made in taken:
        n += 1
        made = f"{base}-{n}"
    if made != base:
        taken[base] = n
    taken[made] = 1
    return made


def _heading_ids(state) -> None:
    """Core rule, last: with render(headings=True), each h2-h4 heading gets its id, and is
    noted for the table of contents."""
    noted = state.env.get("headings")
    if noted is None:
        return
    taken: dict[str, int] = {}
    tokens = state.tokens
    for at, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag not in HEADING_TAGS:
            continue
        _local.budget.spend(_HEADING)
        words = _heading_words(tokens[at + 1]) if at + 1 < len(tokens) else ""
        made = _heading_id(words, taken)
        token.attrSet("id", made)
        noted.append(Heading(HEADING_TAGS[token.tag], words, made))


_markdown.core.ruler.push("heading_ids", _heading_ids)


# Raw HTML and markdown-it's linkify are off: their rules would only say no, at every line and
# position (linkify needs linkify-it-py, which the site does not use; _bare_links does its job).
_markdown.disable(["html_block", "html_inline", "linkify"])
_markdown.block.ruler.before("table", "budget", _block_step,
                             {"alt": ["paragraph", "reference", "blockquote", "list"]})
_markdown.inline.ruler.before("text", "budget", _inline_step)
_markdown.block.ruler.at("reference", _counted_reference)
_markdown.block.parse = _parse_blocks
_markdown.inline.parse = _parse_inline
_markdown.inline.skipToken = _counted_skip_token
_markdown.helpers = SimpleNamespace(parseLinkLabel=parseLinkLabel,
                                    parseLinkDestination=_counted_destination,
                                    parseLinkTitle=_counted_title)
