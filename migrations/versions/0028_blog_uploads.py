"""blog uploads: a member's scrubbed blog export between the preview and the confirmation

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-30 06:00:00.000000

One new table; no existing one changes. Rows live a day at most (the periodic jobs).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'blog_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('source', sa.String(length=255), nullable=False),
        sa.Column('export', sa.Text(), nullable=True),
        sa.Column('terms', sa.Text(), nullable=False),
        sa.Column('report', sa.Text(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_blog_uploads_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_blog_uploads')),
    )
    op.create_index(op.f('ix_blog_uploads_public_id'), 'blog_uploads', ['public_id'],
                    unique=True)
    op.create_index(op.f('ix_blog_uploads_user_id'), 'blog_uploads', ['user_id'])
    op.create_index(op.f('ix_blog_uploads_created_at'), 'blog_uploads', ['created_at'])


def downgrade():
    op.drop_index(op.f('ix_blog_uploads_created_at'), table_name='blog_uploads')
    op.drop_index(op.f('ix_blog_uploads_user_id'), table_name='blog_uploads')
    op.drop_index(op.f('ix_blog_uploads_public_id'), table_name='blog_uploads')
    op.drop_table('blog_uploads')
