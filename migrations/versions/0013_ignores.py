"""ignores: a member ignores one name; its posts fold away for them and send them no notices.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ignores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('handle_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['handle_id'], ['handles.id'],
                                name=op.f('fk_ignores_handle_id_handles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_ignores_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ignores')),
        sa.UniqueConstraint('user_id', 'handle_id', name='uq_ignores_user_id_handle_id'),
    )
    op.create_index(op.f('ix_ignores_handle_id'), 'ignores', ['handle_id'])


def downgrade():
    op.drop_index(op.f('ix_ignores_handle_id'), table_name='ignores')
    op.drop_table('ignores')
