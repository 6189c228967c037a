"""reactions: quiet support under stories and posts, and "I lived this too" under stories

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30 11:00:00.000000

Three tables keyed by what they allow (one of each kind per account per story or post; one
"I lived this too" per account per story): story_reactions, post_reactions, corroborations,
each going with its account and its item. Counters on the items, kept with the rows by the
application in the same transaction: thanks_count, relate_count, strength_count on stories
and posts, lived_count and the author's lived_off on stories (constant defaults: added in
place, no table rewrite on PostgreSQL, no batch copy on SQLite, the search triggers stay).
notifications.tally: how many people reacted, for the one notification that grows while
unread.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

KIND_COUNTS = ('thanks_count', 'relate_count', 'strength_count')


def _reactions(table: str, item: str, items: str) -> None:
    op.create_table(
        table,
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column(f'{item}_id', sa.Integer(), nullable=False),
        *([sa.Column('kind', sa.String(length=16), nullable=False)] if table != 'corroborations'
          else []),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint([f'{item}_id'], [f'{items}.id'],
                                name=op.f(f'fk_{table}_{item}_id_{items}'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f(f'fk_{table}_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(
            'user_id', f'{item}_id', *(['kind'] if table != 'corroborations' else []),
            name=op.f(f'pk_{table}')),
    )
    op.create_index(f'ix_{table}_{item}_id', table, [f'{item}_id'])


def upgrade():
    _reactions('story_reactions', 'story', 'stories')
    _reactions('post_reactions', 'post', 'posts')
    _reactions('corroborations', 'story', 'stories')
    for table in ('stories', 'posts'):
        for column in KIND_COUNTS:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=False,
                                           server_default='0'))
    op.add_column('stories', sa.Column('lived_count', sa.Integer(), nullable=False,
                                       server_default='0'))
    op.add_column('stories', sa.Column('lived_off', sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column('notifications', sa.Column('tally', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('notifications', 'tally')
    op.drop_column('stories', 'lived_off')
    op.drop_column('stories', 'lived_count')
    for table in ('posts', 'stories'):
        for column in reversed(KIND_COUNTS):
            op.drop_column(table, column)
    for table in ('corroborations', 'post_reactions', 'story_reactions'):
        op.drop_table(table)
