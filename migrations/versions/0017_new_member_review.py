"""new-member review: an index of the few posts only their writers see.

A waiting post or story is a state value (posts.state 'pending' or 'refused', stories.state
'pending'), so no column is added; only a partial index on the posts waiting or not
approved, which the review queue reads and a reply's page count subtracts.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_posts_held', 'posts', ['thread_id', 'path'],
                    sqlite_where=sa.text("state IN ('pending', 'refused')"),
                    postgresql_where=sa.text("state IN ('pending', 'refused')"))


def downgrade():
    op.drop_index('ix_posts_held', table_name='posts')
