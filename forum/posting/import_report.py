"""What an import did, or would do: brought in, already there, left out and why; and the
rules for what is left out, the text's own checks among them (forum/posting/imports.py,
import_thread.py)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time

from flask_babel import gettext as _

from . import wxr
from .from_html import to_markdown
from .refusals import PostingError, TooLong, clean_body


@dataclass
class Report:
    """What an import did (or, dry, would do): brought in, already there, left out and why."""

    source: str = ""
    stories_imported: int = 0
    stories_already: int = 0
    comments_imported: int = 0
    comments_already: int = 0
    skipped: Counter = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # term -> group slug
    unmapped: Counter = field(default_factory=Counter)  # term -> posts that have it

    def to_dict(self) -> dict:
        """The report as JSON-ready values (kept with a member's upload for its pages)."""
        return {"source": self.source, "stories_imported": self.stories_imported,
                "stories_already": self.stories_already,
                "comments_imported": self.comments_imported,
                "comments_already": self.comments_already, "skipped": dict(self.skipped),
                "refused": self.refused, "mapped": self.mapped, "unmapped": dict(self.unmapped)}

    @classmethod
    def from_dict(cls, values: dict) -> "Report":
        return cls(**{**values, "skipped": Counter(values.get("skipped", {})),
                      "unmapped": Counter(values.get("unmapped", {}))})

    def skipped_words(self) -> list[tuple[str, int]]:
        """What was left behind and how much, in the member's language, for the pages."""
        return sorted((skip_words(reason), n) for reason, n in self.skipped.items())

    def mapped_words(self) -> list[tuple[str, str]]:
        """Each category or tag put in a group (its slug), in the member's language."""
        return sorted((term_words(term), slug) for term, slug in self.mapped.items())

    def lines(self, dry_run: bool = False) -> list[str]:
        """The report as the administrator's command prints it (in English, as the rest of
        the command line is)."""
        will = "would be " if dry_run else ""
        out = [f"Blog: {self.source}" + (" (dry run: nothing was written)" if dry_run else ""),
               f"Stories {will}imported: {self.stories_imported}"
               f" (already imported: {self.stories_already})",
               f"Comments {will}imported: {self.comments_imported}"
               f" (already imported: {self.comments_already})"]
        out += [f"Skipped, {reason}: {n}" for reason, n in sorted(self.skipped.items())]
        out += [f"Refused: {line}" for line in self.refused]
        out += [f"Mapped: {term} -> group {slug}" for term, slug in sorted(self.mapped.items())]
        out += [f"Not mapped to any group: {term} ({n} post{'s' if n != 1 else ''})"
                for term, n in sorted(self.unmapped.items())]
        return out


# The report keeps its reasons in English (they are stored with an upload, and the command
# line prints them); the pages say them in the member's language (skip_words).
_NOT_PUBLISHED, _OF_TYPE = "posts not published (", "items of type "
_TAG, _CATEGORY = "tag ", "category "


def skip_words(reason: str) -> str:
    """A reason from the report's `skipped`, as the member's pages say it (a sentence's
    start: capitalised); an unknown one as it is, capitalised."""
    if reason.startswith(_NOT_PUBLISHED) and reason.endswith(")"):
        # Translators: %(status)s is WordPress's own word for the post's state, such as
        # "draft" or "private", left as WordPress wrote it.
        return _("Posts not published (%(status)s)", status=reason[len(_NOT_PUBLISHED):-1])
    if reason.startswith(_OF_TYPE):
        # Translators: %(type)s is WordPress's own name for a kind of item, such as "page".
        return _("Items of type %(type)s", type=reason[len(_OF_TYPE):])
    words = {
        "items without a post id": _("Items without a post id"),
        "attachments (media is not imported)": _("Attachments (media is not imported)"),
        "pingbacks": _("Pingbacks"),
        "trackbacks": _("Trackbacks"),
        "spam comments": _("Spam comments"),
        "comments in the bin": _("Comments in the bin"),
        "comments waiting for approval": _("Comments waiting for approval"),
        "comments too long for the site": _("Comments too long for the site"),
        "comments empty once unsafe markup was dropped":
            _("Comments empty once unsafe markup was dropped"),
        "posts already on this site from another account":
            _("Posts already on this site from another account"),
    }.get(reason)
    return words if words is not None else reason[:1].upper() + reason[1:]


def term_words(label: str) -> str:
    """A category or tag as the report keeps it ("tag Winter"), in the member's language."""
    if label.startswith(_TAG):
        # Translators: a tag of the member's blog, lower case as in a list: "tag Winter".
        return _("tag %(name)s", name=label[len(_TAG):])
    if label.startswith(_CATEGORY):
        # Translators: a category of the member's blog, lower case: "category Leaving".
        return _("category %(name)s", name=label[len(_CATEGORY):])
    return label


def item_skip(item: wxr.Item) -> str | None:
    """Why an item of the export stays behind (as the report counts it); None: a story."""
    if item.id <= 0:
        return "items without a post id"
    if item.post_type == "post":
        return None if item.status == "publish" else f"posts not published ({item.status})"
    if item.post_type == "attachment":
        return "attachments (media is not imported)"
    return f"items of type {item.post_type or 'unknown'}"


def comment_skip(comment: wxr.Comment) -> str | None:
    """Why a comment stays behind; None: it joins the thread."""
    if comment.kind in ("pingback", "trackback"):
        return f"{comment.kind}s"
    if comment.approved == "spam":
        return "spam comments"
    if comment.approved == "trash":
        return "comments in the bin"
    if comment.approved != "1":
        return "comments waiting for approval"
    return None


def to_day(when) -> datetime:
    """A date kept to the day, as the site keeps imported writing."""
    return datetime.combine(when, time())


def story_body(item: wxr.Item, blog: wxr.Blog) -> str:
    """A post's text as the story's Markdown, held to the posting path's length rule: raises
    PostingError for one too long, or empty once its unsafe markup is dropped."""
    return clean_body(to_markdown(item.body, blog.address))


def comment_body(comment: wxr.Comment, blog: wxr.Blog, report: Report) -> str | None:
    """A comment's text as Markdown, or None (counted in the report) when it is refused."""
    try:
        return clean_body(to_markdown(comment.body, blog.address))
    except TooLong:
        report.skipped["comments too long for the site"] += 1
    except PostingError:
        report.skipped["comments empty once unsafe markup was dropped"] += 1
    return None
