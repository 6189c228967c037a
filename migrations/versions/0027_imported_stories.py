"""imported blogs: which WordPress post and comment became which story and post

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 05:00:00.000000

Two new tables, no change to an existing one (an imported commenter's name is a handle of the
new kind 'imported', a value the kind column already takes).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'imported_stories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('source_post_id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('old_path', sa.String(length=500), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], ondelete='CASCADE',
                                name=op.f('fk_imported_stories_story_id_stories')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_stories')),
        sa.UniqueConstraint('source', 'source_post_id',
                            name='uq_imported_stories_source_source_post_id'),
    )
    op.create_index('ix_imported_stories_story_id', 'imported_stories', ['story_id'])
    op.create_index('ix_imported_stories_old_path', 'imported_stories', ['old_path'])
    op.create_table(
        'imported_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('imported_story_id', sa.Integer(), nullable=False),
        sa.Column('source_comment_id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['imported_story_id'], ['imported_stories.id'],
                                ondelete='CASCADE',
                                name=op.f('fk_imported_comments_imported_story_id_imported_stories')),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE',
                                name=op.f('fk_imported_comments_post_id_posts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_comments')),
        sa.UniqueConstraint('imported_story_id', 'source_comment_id',
                            name='uq_imported_comments_imported_story_id'),
    )
    op.create_index('ix_imported_comments_post_id', 'imported_comments', ['post_id'])


def downgrade():
    op.drop_index('ix_imported_comments_post_id', table_name='imported_comments')
    op.drop_table('imported_comments')
    op.drop_index('ix_imported_stories_old_path', table_name='imported_stories')
    op.drop_index('ix_imported_stories_story_id', table_name='imported_stories')
    op.drop_table('imported_stories')
