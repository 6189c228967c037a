"""new-member review: the index the review queue reads waiting posts from.

A waiting post or story is a state value (posts.state 'pending' or 'refused', stories.state
'pending'), so no column is added; only the queue's partial index on the few waiting posts.

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-29 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_posts_pending', 'posts', ['created_at'],
                    sqlite_where=sa.text("state = 'pending'"),
                    postgresql_where=sa.text("state = 'pending'"))


def downgrade():
    op.drop_index('ix_posts_pending', table_name='posts')
