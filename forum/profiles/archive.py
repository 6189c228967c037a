"""The readable archive: a member's own stories and posts as Markdown files in a zip, with an
index, for reading and keeping (export.py gives everything else, as JSON).

Each file holds the text as its writer typed it (Markdown), under a few lines saying what it
is: the title, the name it went out under (their own pseudonyms included: it is their data),
when, and where it stands. Nothing of anyone else is in it but the titles of the discussions
their posts are in, as the JSON export has them.

Built in a spooled temporary file: in memory up to IN_MEMORY bytes, on disk beyond, so that a
prolific writer's archive never sits whole in a worker's memory. The same limit as the JSON
export counts it (export.count_export).
"""
from __future__ import annotations

import tempfile
import zipfile
from datetime import datetime

from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..clock import utcnow
from ..extensions import db
from ..models import (
    DELETED, DRAFT, HIDDEN, PENDING, PUBLISHED, REFUSED, VISIBLE, Handle, Post, Story, Thread,
    User,
)
from .export import count_export

IN_MEMORY = 8 * 1024 * 1024
FOLDER = "afterward-my-writing"

# Where a story or post stands, in words (the states of forum/models).
STATES = {
    PUBLISHED: _l("Published"), DRAFT: _l("Draft, not published"),
    HIDDEN: _l("Hidden by a moderator"), VISIBLE: _l("Shown"), DELETED: _l("Deleted"),
    PENDING: _l("Waiting for a moderator"), REFUSED: _l("Not approved by a moderator"),
}
# The same inside a line of the index. Their own messages, not STATES lowercased: German
# keeps its nouns capitalised ("von der Moderation").
STATES_IN_A_LINE = {
    PUBLISHED: _l("published"), DRAFT: _l("draft, not published"),
    HIDDEN: _l("hidden by a moderator"), VISIBLE: _l("shown"), DELETED: _l("deleted"),
    PENDING: _l("waiting for a moderator"), REFUSED: _l("not approved by a moderator"),
}


def _state(state: str, words: dict = STATES) -> str:
    return str(words[state]) if state in words else state


def _day(value: datetime | None) -> str:
    # The reader's language for the month, the time in UTC as the words say.
    # Translators: a date and time as a Unicode (CLDR) pattern, not words: d day, MMMM month,
    # y year, HH:mm time; text in 'quotes' is kept as it is ("d. MMMM y", "d 'de' MMMM 'de' y").
    return format_datetime(value, _("d MMMM y, HH:mm 'UTC'")) if value else ""


def _one_line(text: str) -> str:
    """A title or name on one line of a Markdown list, whatever it holds."""
    return " ".join((text or "").split())


def _name(handle: Handle) -> str:
    return (_("%(name)s (an anonymous name)", name=handle.name) if handle.is_anonymous
            else handle.name)


def _story_file(story: Story, handle: Handle) -> str:
    lines = [f"# {_one_line(story.title)}", "",
             "- " + _("Posted as: %(name)s", name=_name(handle)),
             "- " + _("State: %(state)s", state=_state(story.state))]
    lines.append("- " + (_("Published: %(date)s", date=_day(story.published_at))
                         if story.state == PUBLISHED
                         else _("Dated: %(date)s", date=_day(story.published_at))))
    if story.edited_at:
        lines.append("- " + _("Last edited: %(date)s", date=_day(story.edited_at)))
    if story.groups:
        lines.append("- " + _("Groups: %(names)s",
                              names=", ".join(_one_line(g.name) for g in story.groups)))
    if story.warnings:
        lines.append("- " + _("Content warnings: %(warnings)s",
                              warnings=", ".join(story.warnings)))
    if story.summary:
        lines += ["", f"> {_one_line(story.summary)}"]
    return "\n".join(lines + ["", "---", "", story.body.rstrip(), ""])


def _post_file(post: Post, handle: Handle, thread_title: str, on_story: bool) -> str:
    title = _one_line(thread_title)
    where = (_("A comment on the story “%(title)s”", title=title) if on_story
             else _("A post in the discussion “%(title)s”", title=title))
    lines = [f"# {where}", "",
             "- " + _("Posted as: %(name)s", name=_name(handle)),
             "- " + _("Written: %(date)s", date=_day(post.created_at)),
             "- " + _("State: %(state)s", state=_state(post.state))]
    if post.edited_at:
        lines.append("- " + _("Last edited: %(date)s", date=_day(post.edited_at)))
    return "\n".join(lines + ["", "---", "", post.body.rstrip(), ""])


def _index(user_names: list[Handle], stories: list[tuple[str, Story, Handle]],
           posts: list[tuple[str, Post, Handle, str]], now: datetime) -> str:
    # The site's own name stays as it is in every language.
    lines = ["# " + _("Your writing on %(site)s", site="Afterward"), "",
             _("Made on %(date)s. Each file below holds one story or post as you typed it "
               "(Markdown: plain text with a little punctuation for headings, lists and "
               "emphasis), and the name it went out under. Only you received this file.",
               date=_day(now)), "",
             _("Names you wrote under: %(names)s",
               names=", ".join(_name(h) for h in user_names)), "",
             "## " + _("Stories (%(num)s)", num=len(stories)), ""]
    none = _("None.")
    lines += [f"- [{_one_line(story.title)}]({path}): {_name(handle)}, "
              f"{_state(story.state, STATES_IN_A_LINE)}, {_day(story.published_at)}"
              for path, story, handle in stories] or [none]
    lines += ["", "## " + _("Posts and comments (%(num)s)", num=len(posts)), ""]
    lines += [f"- [{_one_line(title)}]({path}): {_name(handle)}, {_day(post.created_at)}"
              f"{'' if post.state == VISIBLE else ', ' + _state(post.state, STATES_IN_A_LINE)}"
              for path, post, handle, title in posts] or [none]
    return "\n".join(lines + [""])


def build_archive(user: User) -> tempfile.SpooledTemporaryFile:
    """The member's stories and posts as a zip of Markdown files with an index.md, rewound
    and ready to send; counts as one export (ratelimit.RateLimited past the limit)."""
    count_export(user)
    handles = {h.id: h for h in db.session.scalars(
        select(Handle).where(Handle.user_id == user.id).order_by(Handle.id))}
    ids = list(handles)
    stories = db.session.scalars(
        select(Story).where(Story.handle_id.in_(ids)).options(selectinload(Story.groups))
        .order_by(Story.id)).all()
    posts = db.session.execute(
        select(Post, Thread.title, Thread.board_id.is_(None))
        .join(Thread, Post.thread_id == Thread.id)
        .where(Post.handle_id.in_(ids)).order_by(Post.id)).all()
    now = utcnow()
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add(path: str, text: str, when: datetime | None) -> None:
            info = zipfile.ZipInfo(f"{FOLDER}/{path}",
                                   date_time=(when or now).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        story_rows = []
        for story in stories:
            when = story.published_at
            path = f"stories/{when:%Y-%m-%d}-{story.slug}.md"
            story_rows.append((path, story, handles[story.handle_id]))
            add(path, _story_file(story, handles[story.handle_id]), when)
        post_rows = []
        for post, title, on_story in posts:
            path = f"posts/{post.created_at:%Y-%m-%d}-{post.public_id}.md"
            post_rows.append((path, post, handles[post.handle_id], title))
            add(path, _post_file(post, handles[post.handle_id], title, on_story),
                post.created_at)
        add("index.md", _index(list(handles.values()), story_rows, post_rows, now), now)
    out.seek(0)
    return out
