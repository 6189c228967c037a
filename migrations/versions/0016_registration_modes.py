"""registration modes and site settings: an account's approval state and the answer it gave,
invitation codes (their hashes only), and the settings an admin changes while the site runs.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


# Plain ALTERs on users (SQLite adds a column with a default, and drops one since 3.35, in
# place); every account that exists already is an approved one.
def upgrade():
    op.add_column('users', sa.Column('approval_state', sa.String(length=16), nullable=False,
                                     server_default='approved'))
    op.add_column('users', sa.Column('join_reason', sa.Text(), nullable=True))
    op.create_table(
        'site_settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_site_settings')),
    )
    op.create_table(
        'invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_invitations_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['used_by_id'], ['users.id'],
                                name=op.f('fk_invitations_used_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_invitations_code_hash')),
    )
    op.create_index(op.f('ix_invitations_created_by_id'), 'invitations', ['created_by_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_invitations_created_by_id'), table_name='invitations')
    op.drop_table('invitations')
    op.drop_table('site_settings')
    op.drop_column('users', 'join_reason')
    op.drop_column('users', 'approval_state')
