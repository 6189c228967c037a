"""Bringing one's own blog in from Settings: upload, preview, confirm.

The upload is read once, as it arrives (werkzeug's spool: in memory, or an unnamed temporary
file that goes with the request), into a scrubbed copy (forum/posting/wxr.py write_scrubbed):
only what the importer reads, no commenter's email, IP address or web address. That copy,
not the file, is what waits for the member's confirmation, in the database (BlogUpload), so
the confirmation may reach any of the site's hosts. The import itself is the posting path's
(forum/posting/imports.py), run on the copy as the administrator's command runs on a file.
"""
from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Iterator

from flask import current_app
from flask_babel import LazyString, format_number, gettext as _
from sqlalchemy import delete, select, update

from .. import ratelimit
from ..extensions import db
from ..models import BlogUpload, Group, User
from ..refusals import Refusal
from . import wxr
from .import_report import Report
from .imports import import_wxr
from .refusals import check_writer

# How long an upload waits for its confirmation (then the periodic jobs remove it), and how
# long a confirmation that started may run before another may take it up again (a worker
# stopped mid-import: the import is idempotent, so a second run completes it).
KEPT_FOR = timedelta(days=1)
RUNNING_FOR = timedelta(minutes=2)
# Categories and tags offered a choice of group on the preview, the most used first; the
# rest are listed, not mapped (a blog can have hundreds of tags).
TERMS_OFFERED = 40


class UploadRefused(Refusal):
    """The upload cannot be taken: too big for this page, or not a WordPress export."""


@dataclass
class TermChoice:
    """A category or tag of the blog, as the preview offers it."""

    kind: str
    slug: str
    name: str
    posts: int

    @property
    def label(self) -> str:
        """The term as the preview's choices name it, in the member's language."""
        if self.kind == "post_tag":
            return _("Tag: %(name)s", name=self.name or self.slug)
        return _("Category: %(name)s", name=self.name or self.slug)

    @property
    def key(self) -> str:
        """What the importer's TERM=SLUG takes for this term (its slug, else its name)."""
        return self.slug or self.name


def count_upload(user: User) -> None:
    """One more upload by this account; ratelimit.RateLimited past BLOG_UPLOAD_LIMIT."""
    ratelimit.hit([("blog-upload", current_app.config["BLOG_UPLOAD_LIMIT"], f"u{user.id}",
                    LazyString(_too_many_uploads))])


def _too_many_uploads() -> str:
    """The refusal past BLOG_UPLOAD_LIMIT, put into words only when it is shown; {wait} is
    filled in by forum/ratelimit.py, after the translation."""
    # Translators: %(wait)s is a duration such as "25 seconds" or "4 minutes".
    return _("That is as many blog uploads as this site takes for now. Please wait "
             "%(wait)s, then try again. Nothing was kept.", wait="{wait}")


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return cfg["WXR_UPLOAD_MAX_POSTS"], cfg["WXR_UPLOAD_MAX_COMMENTS"]


def too_big_words() -> str:
    posts, comments = _limits()
    return _("This page brings in blogs of up to %(posts)s posts and %(comments)s comments, "
             "so that the import finishes while you wait. A bigger blog can still come in: "
             "the site's administrator can import it for you with the command-line importer; "
             "ask them through the contact page. Nothing was kept.",
             posts=format_number(posts), comments=format_number(comments))


def _counted(items: Iterator[wxr.Item], terms: Counter) -> Iterator[wxr.Item]:
    """The items as they are read, their published posts' terms counted, refusing a blog
    larger than this page imports within a request."""
    most_posts, most_comments = _limits()
    posts = comments = 0
    for item in items:
        if item.is_published_post:
            posts += 1
            comments += len(item.comments)
            if posts > most_posts or comments > most_comments:
                raise UploadRefused(too_big_words(), status=413)
            for term in set(item.terms):
                terms[term] += 1
        yield item


def receive(user: User, stream: IO[bytes], now: datetime) -> BlogUpload:
    """Read an uploaded export into its scrubbed copy and the preview's report, and keep
    them for this member (their earlier upload not yet imported goes). Raises a Refusal:
    WxrError for a file that is no WordPress export, UploadRefused, or the writer's own."""
    check_writer(user, now)
    count_upload(user)
    blog, out, terms = wxr.Blog(), io.StringIO(), Counter()
    wxr.write_scrubbed(_counted(wxr.read(stream, blog), terms), blog, out)
    export = out.getvalue()
    out.close()
    preview = import_wxr(export.encode(), user, groups=[], anonymous=False, now=now,
                         dry_run=True)
    choices = [TermChoice(t.kind, t.slug, t.name, n).__dict__
               for t, n in sorted(terms.items(), key=lambda tn: (-tn[1], tn[0].name.lower()))]
    db.session.execute(delete(BlogUpload).where(BlogUpload.user_id == user.id,
                                                BlogUpload.imported_at.is_(None)))
    upload = BlogUpload(user_id=user.id, created_at=now, source=blog.source[:255],
                        export=export, terms=json.dumps(choices),
                        report=json.dumps(preview.to_dict()))
    db.session.add(upload)
    db.session.commit()
    return upload


def owned(public_id: str, user: User, now: datetime) -> BlogUpload | None:
    """The upload with this id if it is this member's and not expired; None for anyone
    else's, including a moderator's: nobody but its owner may know it exists."""
    return db.session.scalar(select(BlogUpload).where(
        BlogUpload.public_id == public_id, BlogUpload.user_id == user.id,
        BlogUpload.created_at > now - KEPT_FOR))


def terms_of(upload: BlogUpload) -> list[TermChoice]:
    return [TermChoice(**values) for values in json.loads(upload.terms)]


def report_of(upload: BlogUpload) -> Report:
    return Report.from_dict(json.loads(upload.report))


def groups_offered() -> list[Group]:
    """The groups a category or tag may go to: the accepted ones (an import creates none)."""
    return list(db.session.scalars(select(Group).where(Group.state == "accepted")
                                   .order_by(Group.name)))


def is_running(upload: BlogUpload, now: datetime) -> bool:
    """Whether a confirmation is importing this upload now (claimed, not finished, and not
    so long ago that its run must have died)."""
    return (upload.export is not None and upload.imported_at is not None
            and upload.imported_at >= now - RUNNING_FOR)


def was_interrupted(upload: BlogUpload, now: datetime) -> bool:
    """Whether an import of this upload started and never finished (a stopped worker): the
    member may confirm again, and the rest comes in (what came in stays as it is)."""
    return (upload.export is not None and upload.imported_at is not None
            and upload.imported_at < now - RUNNING_FOR)


def _claim(upload: BlogUpload, now: datetime) -> bool:
    """Mark the upload as being imported, in one conditional UPDATE, so that two
    confirmations at once (two tabs, two hosts) run it once. A claim left by a run that
    died lapses after RUNNING_FOR."""
    claimed = db.session.execute(
        update(BlogUpload).where(
            BlogUpload.id == upload.id, BlogUpload.export.is_not(None),
            (BlogUpload.imported_at.is_(None)) | (BlogUpload.imported_at < now - RUNNING_FOR))
        .values(imported_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(claimed)


def confirm(upload: BlogUpload, user: User, mapping: dict[str, str], anonymous: bool,
            now: datetime) -> Report | None:
    """Import the upload as this member's stories, each category or tag named in `mapping`
    (term key -> group slug) into that group; the copy is then dropped and the report kept
    for the result page. None when it was imported already (or is being imported)."""
    check_writer(user, now)
    if not _claim(upload, now):
        return None
    report = import_wxr(upload.export.encode(), user,
                        groups=[f"{key}={slug}" for key, slug in mapping.items()],
                        anonymous=anonymous, now=now)
    db.session.execute(update(BlogUpload).where(BlogUpload.id == upload.id)
                       .values(export=None, report=json.dumps(report.to_dict()))
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return report


def cancel(upload: BlogUpload) -> None:
    """Forget the upload at once, scrubbed copy and all."""
    db.session.execute(delete(BlogUpload).where(BlogUpload.id == upload.id))
    db.session.commit()


def forget_old_uploads(now: datetime) -> int:
    """Uploads past KEPT_FOR, confirmed or not (a periodic job; uncommitted)."""
    return db.session.execute(delete(BlogUpload).where(BlogUpload.created_at <= now - KEPT_FOR)
                              .execution_options(synchronize_session=False)).rowcount or 0
