"""bookmarks; a story's word count and table of contents, stored when it is written

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-30 11:00:00.000000

`bookmarks`: what a member keeps (a story or a post, exactly one: a CHECK), once each per
member, listed newest first from ix_bookmarks_user_listing; rows go with the member, the
story or the post (ON DELETE CASCADE).

`stories.word_count` and `stories.toc` (nullable, no default: added in place on both
databases). Stories written before stay NULL here: this migration renders nothing (it would
need today's renderer, which a migration must not import). `flask stories reading-aids`
renders them once through forum/text.py after upgrading; an edit of the story does it too.
Until then such a story shows no reading time and no table of contents.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bookmarks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=True),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('(story_id IS NULL) <> (post_id IS NULL)',
                           name=op.f('ck_bookmarks_one_target')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_bookmarks_user_id_users')),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'], ondelete='CASCADE',
                                name=op.f('fk_bookmarks_story_id_stories')),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ondelete='CASCADE',
                                name=op.f('fk_bookmarks_post_id_posts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bookmarks')),
        sa.UniqueConstraint('user_id', 'story_id', name=op.f('uq_bookmarks_user_id_story_id')),
        sa.UniqueConstraint('user_id', 'post_id', name=op.f('uq_bookmarks_user_id_post_id')),
    )
    op.create_index(op.f('ix_bookmarks_public_id'), 'bookmarks', ['public_id'], unique=True)
    op.create_index(op.f('ix_bookmarks_story_id'), 'bookmarks', ['story_id'], unique=False)
    op.create_index(op.f('ix_bookmarks_post_id'), 'bookmarks', ['post_id'], unique=False)
    op.create_index('ix_bookmarks_user_listing', 'bookmarks', ['user_id', 'created_at', 'id'],
                    unique=False)
    op.add_column('stories', sa.Column('word_count', sa.Integer(), nullable=True))
    op.add_column('stories', sa.Column('toc', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('stories') as batch:
        batch.drop_column('toc')
        batch.drop_column('word_count')
    op.drop_index('ix_bookmarks_user_listing', table_name='bookmarks')
    op.drop_index(op.f('ix_bookmarks_post_id'), table_name='bookmarks')
    op.drop_index(op.f('ix_bookmarks_story_id'), table_name='bookmarks')
    op.drop_index(op.f('ix_bookmarks_public_id'), table_name='bookmarks')
    op.drop_table('bookmarks')
