"""threads.slow_mode_seconds and threads.members_only: a moderator slows a heated discussion.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


# Plain ALTERs on both databases (SQLite adds a column with a default, and drops one since
# 3.35, in place): batch mode would copy the table and lose the search triggers on it.
def upgrade():
    op.add_column('threads', sa.Column('slow_mode_seconds', sa.Integer(), nullable=True))
    op.add_column('threads', sa.Column('members_only', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade():
    op.drop_column('threads', 'members_only')
    op.drop_column('threads', 'slow_mode_seconds')
