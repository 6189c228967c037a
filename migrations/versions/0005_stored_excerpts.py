"""Stored plain excerpts beside stored HTML, revisions keep their HTML, links say noreferrer.

stories.excerpt and posts.excerpt hold the start of each text as plain words, made when the
text is written, so lists, feeds, profiles and the report queue never render Markdown on a
read. Existing rows are filled here from their stored body_html, which is already sanitised:
its tags are stripped (nh3, as the site did on every read until now) and the words cut to
the lengths of that time: 600 characters for a story, 240 for a post.

story_revisions.body_html keeps the story's HTML with each earlier version from now on. Older
revisions have no HTML to copy and stay empty; their page shows them as plain text.

Rendered links carry rel="nofollow ugc noopener noreferrer" from now on; the stored ones get
noreferrer here too. The sanitiser writes that attribute, and escapes every quote in the
writer's own text, so the attribute is the only place the replaced string can occur.

Downgrade drops the columns and takes noreferrer out of stored links again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:00:00.000000

"""
import html

import nh3
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The excerpt lengths of this revision's time, and the two forms of a stored link's rel.
_EXCERPT_CHARS = {"stories": 600, "posts": 240}
_OLD_REL = 'rel="nofollow ugc noopener"'
_NEW_REL = 'rel="nofollow ugc noopener noreferrer"'
_BATCH = 500


def _excerpt(body_html: str, length: int) -> str:
    text = " ".join(html.unescape(nh3.clean(body_html, tags=set())).split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def _fill_excerpts(bind, table: str) -> None:
    """Each row's excerpt from its stored HTML, a batch of rows at a time, in id order."""
    rows = sa.table(table, sa.column("id"), sa.column("body_html"), sa.column("excerpt"))
    after = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, rows.c.body_html)
            .where(rows.c.id > after, rows.c.body_html != "")
            .order_by(rows.c.id).limit(_BATCH)
        ).all()
        if not batch:
            return
        bind.execute(
            rows.update().where(rows.c.id == sa.bindparam("row_id"))
            .values(excerpt=sa.bindparam("new_excerpt")),
            [{"row_id": id_, "new_excerpt": _excerpt(body, _EXCERPT_CHARS[table])}
             for id_, body in batch],
        )
        after = batch[-1].id


def _replace_rel(table: str, old: str, new: str) -> None:
    rows = sa.table(table, sa.column("body_html"))
    op.execute(
        rows.update().where(rows.c.body_html.contains(old, autoescape=True))
        .values(body_html=sa.func.replace(rows.c.body_html, old, new))
    )


def upgrade():
    # Plain ALTERs on both databases (as in 0003): batch mode would copy the tables and lose
    # the search triggers on them.
    empty = sa.text("''")
    for table in ("stories", "posts"):
        op.add_column(table, sa.Column('excerpt', sa.Text(), server_default=empty,
                                       nullable=False))
    op.add_column('story_revisions', sa.Column('body_html', sa.Text(), server_default=empty,
                                               nullable=False))
    bind = op.get_bind()
    for table in ("stories", "posts"):
        _replace_rel(table, _OLD_REL, _NEW_REL)
        _fill_excerpts(bind, table)


def downgrade():
    for table in ("stories", "posts"):
        _replace_rel(table, _NEW_REL, _OLD_REL)
    op.drop_column('story_revisions', 'body_html')
    for table in ("stories", "posts"):
        op.drop_column(table, 'excerpt')
