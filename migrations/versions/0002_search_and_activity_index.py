"""Full-text search index, and an index for the home page's latest-active threads.

Search: an FTS5 table kept by triggers on SQLite; stored tsvector columns with GIN indexes
on PostgreSQL.

The search DDL lives in forum.search.service.install(), which db.create_all() also runs, so
a migrated database and a create_all() one have the same index. Those objects are not in the
models; migrations/env.py leaves them out of autogenerate (search.service.include_object).
On PostgreSQL adding the stored columns rewrites stories, threads and posts once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op

from forum.search import service as search


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_threads_activity', 'threads', ['last_post_at', 'id'], unique=False)
    # Indexes every row already there, then keeps the index current by itself.
    search.install(op.get_bind())


def downgrade():
    search.uninstall(op.get_bind())
    op.drop_index('ix_threads_activity', table_name='threads')
