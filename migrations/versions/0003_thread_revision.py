"""threads.revision: tells a cached copy of a thread's rendered posts from a stale one.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER on both databases (SQLite >= 3.35 drops columns too): batch mode would
    # copy the threads table and lose the search triggers on it.
    op.add_column('threads', sa.Column('revision', sa.Integer(), server_default='0',
                                       nullable=False))


def downgrade():
    op.drop_column('threads', 'revision')
