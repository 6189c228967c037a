"""a group page sorts its stories from two indexes and reads the rows of the 20 it shows

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-29 20:20:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_story_groups_group_story', 'story_groups', ['group_id', 'story_id'],
                    unique=False)
    op.drop_index('ix_story_groups_group_id', table_name='story_groups')
    op.create_index('ix_stories_id_listing', 'stories', ['id', 'state', 'published_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_stories_id_listing', table_name='stories')
    op.create_index('ix_story_groups_group_id', 'story_groups', ['group_id'], unique=False)
    op.drop_index('ix_story_groups_group_story', table_name='story_groups')
