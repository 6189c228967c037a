"""story_restrictions: a story's author bars a name from commenting; the site bars its account.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'story_restrictions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('handle_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['handle_id'], ['handles.id'],
                                name=op.f('fk_story_restrictions_handle_id_handles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['story_id'], ['stories.id'],
                                name=op.f('fk_story_restrictions_story_id_stories'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_story_restrictions_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_story_restrictions')),
        sa.UniqueConstraint('story_id', 'handle_id',
                            name='uq_story_restrictions_story_id_handle_id'),
    )
    op.create_index('ix_story_restrictions_story_id_user_id', 'story_restrictions',
                    ['story_id', 'user_id'])


def downgrade():
    op.drop_index('ix_story_restrictions_story_id_user_id', table_name='story_restrictions')
    op.drop_table('story_restrictions')
