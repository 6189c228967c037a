"""board audience: public, members or circle boards, archived boards, circle members, and
board changes in the moderation log.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OLD_CHECK = ("(CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN story_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN post_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN handle_id IS NULL THEN 0 ELSE 1 END) = 1")
NEW_CHECK = OLD_CHECK.replace(") = 1", " + CASE WHEN board_id IS NULL THEN 0 ELSE 1 END) = 1")


def _set_check(check, add_board):
    """mod_actions' one-target CHECK, with or without board_id. SQLite cannot alter a CHECK,
    so there the table is copied (batch mode): mod_actions carries no search triggers."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('mod_actions', recreate='always') as batch:
            if add_board:
                batch.add_column(sa.Column('board_id', sa.Integer(), nullable=True))
                batch.create_foreign_key(op.f('fk_mod_actions_board_id_boards'), 'boards',
                                         ['board_id'], ['id'])
            else:
                batch.drop_constraint(op.f('fk_mod_actions_board_id_boards'), type_='foreignkey')
                batch.drop_column('board_id')
            batch.drop_constraint(op.f('ck_mod_actions_one_target'), type_='check')
            batch.create_check_constraint('one_target', sa.text(check))
        return
    op.drop_constraint(op.f('ck_mod_actions_one_target'), 'mod_actions', type_='check')
    if add_board:
        op.add_column('mod_actions', sa.Column('board_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_mod_actions_board_id_boards'), 'mod_actions', 'boards',
                              ['board_id'], ['id'])
    else:
        op.drop_constraint(op.f('fk_mod_actions_board_id_boards'), 'mod_actions',
                           type_='foreignkey')
        op.drop_column('mod_actions', 'board_id')
    op.create_check_constraint(op.f('ck_mod_actions_one_target'), 'mod_actions', sa.text(check))


def upgrade():
    op.add_column('boards', sa.Column('audience', sa.String(length=16), nullable=False,
                                      server_default='public'))
    op.add_column('boards', sa.Column('archived', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        'board_members',
        sa.Column('board_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('granted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['board_id'], ['boards.id'],
                                name=op.f('fk_board_members_board_id_boards'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_board_members_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('board_id', 'user_id', name=op.f('pk_board_members')),
    )
    op.create_index(op.f('ix_board_members_user_id'), 'board_members', ['user_id'], unique=False)
    _set_check(NEW_CHECK, add_board=True)


def downgrade():
    op.execute("DELETE FROM mod_actions WHERE board_id IS NOT NULL")
    _set_check(OLD_CHECK, add_board=False)
    op.drop_index(op.f('ix_board_members_user_id'), table_name='board_members')
    op.drop_table('board_members')
    op.drop_column('boards', 'archived')
    op.drop_column('boards', 'audience')
