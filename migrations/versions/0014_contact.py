"""conversations and contact_messages: a private line from members and visitors to the moderators.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 06:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'conversations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=12), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('handle_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('waiting', sa.Boolean(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['handle_id'], ['handles.id'],
                                name=op.f('fk_conversations_handle_id_handles'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_conversations_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_conversations_code_hash')),
    )
    op.create_index('ix_conversations_open_last', 'conversations', ['closed_at', 'last_at'])
    op.create_index(op.f('ix_conversations_public_id'), 'conversations', ['public_id'],
                    unique=True)
    op.create_index(op.f('ix_conversations_user_id'), 'conversations', ['user_id'])
    op.create_table(
        'contact_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('from_moderators', sa.Boolean(), nullable=False),
        sa.Column('moderator_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_contact_messages_conversation_id_conversations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['moderator_id'], ['users.id'],
                                name=op.f('fk_contact_messages_moderator_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_messages')),
    )
    op.create_index(op.f('ix_contact_messages_conversation_id'), 'contact_messages',
                    ['conversation_id'])


def downgrade():
    op.drop_index(op.f('ix_contact_messages_conversation_id'), table_name='contact_messages')
    op.drop_table('contact_messages')
    op.drop_index(op.f('ix_conversations_user_id'), table_name='conversations')
    op.drop_index(op.f('ix_conversations_public_id'), table_name='conversations')
    op.drop_index('ix_conversations_open_last', table_name='conversations')
    op.drop_table('conversations')
