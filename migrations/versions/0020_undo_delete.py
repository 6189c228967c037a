"""undo a deleted post: its text is kept for a few minutes, for its author alone

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 11:45:00.000000
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deleted_post_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('edited_at', sa.DateTime(), nullable=True),
        sa.Column('deleted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'],
                                name=op.f('fk_deleted_post_texts_post_id_posts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_post_texts')),
        sa.UniqueConstraint('post_id', name=op.f('uq_deleted_post_texts_post_id')),
    )
    op.create_index(op.f('ix_deleted_post_texts_deleted_at'), 'deleted_post_texts',
                    ['deleted_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_deleted_post_texts_deleted_at'), table_name='deleted_post_texts')
    op.drop_table('deleted_post_texts')
