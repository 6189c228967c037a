"""posts and stories keep a digest of their words, which the duplicate check compares

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 15:00:00.000000

Two nullable columns: no table rewrite on PostgreSQL. The writings of the last day get their
key here, so a repeat of something posted just before the upgrade is still refused (the
check looks back DUPLICATE_WINDOW minutes); older ones keep NULL, which nothing matches.
"""
import hashlib
from datetime import datetime, timedelta

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def words_key(body: str) -> str | None:
    """forum.models.content.words_key as of this revision."""
    words = " ".join(body.split()).casefold()
    return hashlib.blake2b(words.encode(), digest_size=16).hexdigest() if words else None


def _backfill(table: str, since_column: str) -> None:
    conn = op.get_bind()
    since = datetime.utcnow() - timedelta(days=1)
    rows = conn.execute(sa.text(f"SELECT id, body FROM {table} WHERE {since_column} >= :since"),
                        {"since": since}).all()
    keyed = [{"id": id_, "key": words_key(body or "")} for id_, body in rows]
    if keyed:
        conn.execute(sa.text(f"UPDATE {table} SET body_key = :key WHERE id = :id"), keyed)


def upgrade():
    for table in ('posts', 'stories'):
        op.add_column(table, sa.Column('body_key', sa.String(length=32), nullable=True))
    _backfill('posts', 'created_at')
    _backfill('stories', 'published_at')


def downgrade():
    for table in ('stories', 'posts'):
        op.drop_column(table, 'body_key')
