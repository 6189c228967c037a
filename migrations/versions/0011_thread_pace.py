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


def upgrade():
    with op.batch_alter_table('threads') as batch:
        batch.add_column(sa.Column('slow_mode_seconds', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('members_only', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('threads') as batch:
        batch.drop_column('members_only')
        batch.drop_column('slow_mode_seconds')
