"""The one road from user Markdown to HTML: parse, then sanitise with an allow-list."""
import html

import nh3
from markdown_it import MarkdownIt

# Raw HTML is off in js-default; whatever Markdown builds is still passed through nh3.
_markdown = MarkdownIt("js-default").enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "s", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
    "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def render(markdown: str) -> str:
    """Turn a person's Markdown into HTML that is safe to put in any page."""
    html = _markdown.render(markdown)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def plain(markdown: str, length: int = 240) -> str:
    """A short plain-text excerpt of a Markdown text, for lists and feeds."""
    # nh3 returns escaped text; unescape it so the template escapes it exactly once.
    text = html.unescape(nh3.clean(_markdown.render(markdown), tags=set()))
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"
