"""Full-text search index: FTS5 table and triggers on SQLite, GIN expression indexes on PostgreSQL.

The DDL lives in forum.search.service.install(), which db.create_all() also runs, so a
migrated database and a create_all() one have the same index. Those objects are not in the
models; migrations/env.py leaves them out of autogenerate (search.service.include_object).

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
    # Indexes every row already there, then keeps the index current by itself.
    search.install(op.get_bind())


def downgrade():
    search.uninstall(op.get_bind())
