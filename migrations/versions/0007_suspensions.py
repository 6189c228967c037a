"""suspensions: each suspension remembers the name it was applied through.

Moderators see a suspension on that name only, so an account's other names (its public
handle, its pseudonyms in other threads) cannot be matched to it by their suspension state.
users.suspended_until / suspension_reason stay as the account's summary for the posting path.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('handle_id', sa.Integer(), nullable=True),
        sa.Column('moderator_id', sa.Integer(), nullable=True),
        sa.Column('until', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['handle_id'], ['handles.id'],
                                name=op.f('fk_suspensions_handle_id_handles'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['moderator_id'], ['users.id'],
                                name=op.f('fk_suspensions_moderator_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_suspensions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suspensions')),
    )
    op.create_index(op.f('ix_suspensions_handle_id'), 'suspensions', ['handle_id'])
    op.create_index(op.f('ix_suspensions_user_id'), 'suspensions', ['user_id'])
    # Suspensions in force today: the name is the one the latest suspend action was taken
    # through (the author of the post or story it names); none found leaves it on no name.
    op.execute("""
        INSERT INTO suspensions (user_id, handle_id, moderator_id, until, reason, created_at)
        SELECT u.id,
               (SELECT h.id FROM mod_actions m
                  LEFT JOIN posts p ON p.id = m.post_id
                  LEFT JOIN stories s ON s.id = m.story_id
                  JOIN handles h ON h.id = COALESCE(p.handle_id, s.handle_id)
                 WHERE h.user_id = u.id AND m.action LIKE 'suspend:%'
                 ORDER BY m.created_at DESC, m.id DESC LIMIT 1),
               NULL, u.suspended_until, COALESCE(u.suspension_reason, ''), CURRENT_TIMESTAMP
          FROM users u
         WHERE u.suspended_until IS NOT NULL
    """)


def downgrade():
    op.drop_index(op.f('ix_suspensions_user_id'), table_name='suspensions')
    op.drop_index(op.f('ix_suspensions_handle_id'), table_name='suspensions')
    op.drop_table('suspensions')
