"""curated groups: proposed groups wait for a moderator, groups have other names, and group
decisions are in the moderation log.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 09:40:00.000000
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OLD_CHECK = ("(CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN story_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN post_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN handle_id IS NULL THEN 0 ELSE 1 END"
             " + CASE WHEN board_id IS NULL THEN 0 ELSE 1 END) = 1")
NEW_CHECK = OLD_CHECK.replace(") = 1", " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1")
FK = 'fk_mod_actions_group_id_groups'


def _set_check(check, add_group):
    """mod_actions' one-target CHECK, with or without group_id (as in 0018: SQLite copies the
    table, which carries no search triggers)."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('mod_actions', recreate='always') as batch:
            if add_group:
                batch.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
                batch.create_foreign_key(op.f(FK), 'groups', ['group_id'], ['id'])
            else:
                batch.drop_constraint(op.f(FK), type_='foreignkey')
                batch.drop_column('group_id')
            batch.drop_constraint(op.f('ck_mod_actions_one_target'), type_='check')
            batch.create_check_constraint('one_target', sa.text(check))
        return
    op.drop_constraint(op.f('ck_mod_actions_one_target'), 'mod_actions', type_='check')
    if add_group:
        op.add_column('mod_actions', sa.Column('group_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(FK), 'mod_actions', 'groups', ['group_id'], ['id'])
    else:
        op.drop_constraint(op.f(FK), 'mod_actions', type_='foreignkey')
        op.drop_column('mod_actions', 'group_id')
    op.create_check_constraint(op.f('ck_mod_actions_one_target'), 'mod_actions', sa.text(check))


def upgrade():
    # groups carries no search triggers, so SQLite may copy it to add the foreign key.
    with op.batch_alter_table('groups') as batch:
        batch.add_column(sa.Column('state', sa.String(length=16), nullable=False,
                                   server_default='accepted'))
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_groups_merged_into_id_groups'), 'groups',
                                 ['merged_into_id'], ['id'])
    op.create_table(
        'group_aliases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('slug', sa.String(length=140), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'],
                                name=op.f('fk_group_aliases_group_id_groups'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_group_aliases')),
        sa.UniqueConstraint('slug', name=op.f('uq_group_aliases_slug')),
    )
    op.create_index(op.f('ix_group_aliases_group_id'), 'group_aliases', ['group_id'],
                    unique=False)
    _set_check(NEW_CHECK, add_group=True)


def downgrade():
    op.execute("DELETE FROM mod_actions WHERE group_id IS NOT NULL")
    _set_check(OLD_CHECK, add_group=False)
    op.drop_index(op.f('ix_group_aliases_group_id'), table_name='group_aliases')
    op.drop_table('group_aliases')
    with op.batch_alter_table('groups') as batch:
        batch.drop_constraint(op.f('fk_groups_merged_into_id_groups'), type_='foreignkey')
        batch.drop_column('merged_into_id')
        batch.drop_column('state')
