"""appeals: a suspended member appeals once per suspension; another moderator decides.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'appeals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=False),
        sa.Column('suspension_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_appeals_decided_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['suspension_id'], ['suspensions.id'],
                                name=op.f('fk_appeals_suspension_id_suspensions'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
        sa.UniqueConstraint('suspension_id', name=op.f('uq_appeals_suspension_id')),
    )
    op.create_index(op.f('ix_appeals_public_id'), 'appeals', ['public_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_appeals_public_id'), table_name='appeals')
    op.drop_table('appeals')
