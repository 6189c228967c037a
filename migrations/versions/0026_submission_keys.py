"""one-time submission keys: a form that arrives twice is carried out once

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 21:00:00.000000

Posts and stories get a nullable column with a unique index (no table rewrite on PostgreSQL,
no table copy on SQLite: NULL for every existing row, and NULLs never collide). Every other
write form keeps its key in the small table `submission_keys`, pruned after a day.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('posts', 'stories'):
        op.add_column(table, sa.Column('submission_key', sa.String(length=32), nullable=True))
        op.create_index(f'ix_{table}_submission_key', table, ['submission_key'], unique=True)
    op.create_table(
        'submission_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=32), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_keys')),
    )
    op.create_index('ix_submission_keys_key_hash', 'submission_keys', ['key_hash'], unique=True)
    op.create_index('ix_submission_keys_created_at', 'submission_keys', ['created_at'])


def downgrade():
    op.drop_index('ix_submission_keys_created_at', table_name='submission_keys')
    op.drop_index('ix_submission_keys_key_hash', table_name='submission_keys')
    op.drop_table('submission_keys')
    for table in ('stories', 'posts'):
        op.drop_index(f'ix_{table}_submission_key', table_name=table)
        op.drop_column(table, 'submission_key')
