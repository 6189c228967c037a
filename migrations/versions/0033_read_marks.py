"""read marks: "new since my last visit", for a member who turns it on

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-30 11:00:00.000000

users.keep_read_marks (off for everyone: the setting records what someone read, so nobody
has it until they choose it), and read_marks: one row per member and thread, the newest post
they were shown there and when, unique on (user_id, thread_id) for the page's upsert, with
read_at indexed for pruning after 90 days.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


# A plain ALTER on users (SQLite adds a column in place): batch mode would copy the table.
def upgrade():
    op.add_column('users', sa.Column('keep_read_marks', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.create_table(
        'read_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('last_post_id', sa.Integer(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'],
                                name=op.f('fk_read_marks_thread_id_threads'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_read_marks_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_read_marks')),
        sa.UniqueConstraint('user_id', 'thread_id', name='uq_read_marks_user_id_thread_id'),
    )
    op.create_index('ix_read_marks_read_at', 'read_marks', ['read_at'])


def downgrade():
    op.drop_index('ix_read_marks_read_at', table_name='read_marks')
    op.drop_table('read_marks')
    op.drop_column('users', 'keep_read_marks')
