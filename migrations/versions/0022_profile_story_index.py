"""a profile's stories come in order from an index (handle, state, date, id)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 15:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_stories_handle_listing', 'stories',
                    ['handle_id', 'state', 'published_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_stories_handle_listing', table_name='stories')
