"""Initial schema: accounts, handles, groups, boards, stories, threads, posts, moderation.

Generated from the models by autogenerate and reviewed by hand: runs on SQLite and
PostgreSQL (the partial unique index on public handle names carries both dialects' WHERE).

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 02:15:23.639111

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('boards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_boards')),
    sa.UniqueConstraint('slug', name=op.f('uq_boards_slug'))
    )
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('slug', name=op.f('uq_groups_slug'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login_name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('anonymous_by_default', sa.Boolean(), nullable=False),
    sa.Column('follow_on_write', sa.Boolean(), nullable=False),
    sa.Column('email_digest', sa.Boolean(), nullable=False),
    sa.Column('digest_sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('suspended_until', sa.DateTime(), nullable=True),
    sa.Column('suspension_reason', sa.Text(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('login_name', name=op.f('uq_users_login_name'))
    )
    op.create_table('handles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_handles_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handles')),
    sa.UniqueConstraint('thread_id', 'name_key', name='uq_handles_thread_id_name_key'),
    sa.UniqueConstraint('thread_id', 'user_id', name='uq_handles_thread_id_user_id')
    )
    op.create_index(op.f('ix_handles_user_id'), 'handles', ['user_id'], unique=False)
    op.create_index('uq_handles_public_name_key', 'handles', ['name_key'], unique=True, sqlite_where=sa.text("kind = 'public'"), postgresql_where=sa.text("kind = 'public'"))
    op.create_table('threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=True),
    sa.Column('handle_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_post_at', sa.DateTime(), nullable=False),
    sa.Column('post_count', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('lock_reason', sa.Text(), nullable=True),
    sa.Column('locked_by_author', sa.Boolean(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], name=op.f('fk_threads_board_id_boards')),
    sa.ForeignKeyConstraint(['handle_id'], ['handles.id'], name=op.f('fk_threads_handle_id_handles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threads'))
    )
    op.create_index('ix_threads_board_listing', 'threads', ['board_id', 'pinned', 'last_post_at', 'id'], unique=False)
    op.create_table('unmaskings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=True),
    sa.Column('handle_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['admin_id'], ['users.id'], name=op.f('fk_unmaskings_admin_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handle_id'], ['handles.id'], name=op.f('fk_unmaskings_handle_id_handles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmaskings'))
    )
    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(thread_id IS NULL) <> (group_id IS NULL)', name=op.f('ck_follows_one_target')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_follows_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_follows_thread_id_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('user_id', 'group_id', name='uq_follows_user_id_group_id'),
    sa.UniqueConstraint('user_id', 'thread_id', name='uq_follows_user_id_thread_id')
    )
    op.create_index('ix_follows_group_id', 'follows', ['group_id'], unique=False)
    op.create_index('ix_follows_thread_id', 'follows', ['thread_id'], unique=False)
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('handle_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['handle_id'], ['handles.id'], name=op.f('fk_posts_handle_id_handles')),
    sa.ForeignKeyConstraint(['parent_id'], ['posts.id'], name=op.f('fk_posts_parent_id_posts')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_posts_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    op.create_index('ix_posts_handle_created', 'posts', ['handle_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_posts_parent_id'), 'posts', ['parent_id'], unique=False)
    op.create_index('ix_posts_thread_path', 'posts', ['thread_id', 'path'], unique=True)
    op.create_table('stories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=220), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('content_warnings', sa.Text(), nullable=False),
    sa.Column('handle_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('noindex', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['handle_id'], ['handles.id'], name=op.f('fk_stories_handle_id_handles')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_stories_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stories')),
    sa.UniqueConstraint('slug', name=op.f('uq_stories_slug')),
    sa.UniqueConstraint('thread_id', name=op.f('uq_stories_thread_id'))
    )
    op.create_index(op.f('ix_stories_handle_id'), 'stories', ['handle_id'], unique=False)
    op.create_index('ix_stories_listing', 'stories', ['state', 'published_at', 'id'], unique=False)
    op.create_table('mod_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_handle_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('handle_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END + CASE WHEN story_id IS NULL THEN 0 ELSE 1 END + CASE WHEN post_id IS NULL THEN 0 ELSE 1 END + CASE WHEN handle_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_mod_actions_one_target')),
    sa.ForeignKeyConstraint(['handle_id'], ['handles.id'], name=op.f('fk_mod_actions_handle_id_handles')),
    sa.ForeignKeyConstraint(['moderator_handle_id'], ['handles.id'], name=op.f('fk_mod_actions_moderator_handle_id_handles')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_mod_actions_post_id_posts')),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_mod_actions_story_id_stories')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_mod_actions_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mod_actions'))
    )
    op.create_index(op.f('ix_mod_actions_created_at'), 'mod_actions', ['created_at'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('recipient_handle_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_notifications_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_handle_id'], ['handles.id'], name=op.f('fk_notifications_recipient_handle_id_handles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_notifications_thread_id_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at', 'id'], unique=False)
    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(post_id IS NULL) <> (story_id IS NULL)', name=op.f('ck_reports_one_target')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_reports_post_id_posts')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_reports_story_id_stories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('reporter_id', 'post_id', name='uq_reports_reporter_id_post_id'),
    sa.UniqueConstraint('reporter_id', 'story_id', name='uq_reports_reporter_id_story_id')
    )
    op.create_index('ix_reports_state_created', 'reports', ['state', 'created_at'], unique=False)
    op.create_table('story_groups',
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_story_groups_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_groups_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_id', 'group_id', name=op.f('pk_story_groups'))
    )
    op.create_index(op.f('ix_story_groups_group_id'), 'story_groups', ['group_id'], unique=False)
    op.create_table('story_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_story_revisions_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story_revisions'))
    )
    op.create_index(op.f('ix_story_revisions_story_id'), 'story_revisions', ['story_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_story_revisions_story_id'), table_name='story_revisions')
    op.drop_table('story_revisions')
    op.drop_index(op.f('ix_story_groups_group_id'), table_name='story_groups')
    op.drop_table('story_groups')
    op.drop_index('ix_reports_state_created', table_name='reports')
    op.drop_table('reports')
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_mod_actions_created_at'), table_name='mod_actions')
    op.drop_table('mod_actions')
    op.drop_index('ix_stories_listing', table_name='stories')
    op.drop_index(op.f('ix_stories_handle_id'), table_name='stories')
    op.drop_table('stories')
    op.drop_index('ix_posts_thread_path', table_name='posts')
    op.drop_index(op.f('ix_posts_parent_id'), table_name='posts')
    op.drop_index('ix_posts_handle_created', table_name='posts')
    op.drop_table('posts')
    op.drop_index('ix_follows_thread_id', table_name='follows')
    op.drop_index('ix_follows_group_id', table_name='follows')
    op.drop_table('follows')
    op.drop_table('unmaskings')
    op.drop_index('ix_threads_board_listing', table_name='threads')
    op.drop_table('threads')
    op.drop_index('uq_handles_public_name_key', table_name='handles', sqlite_where=sa.text("kind = 'public'"), postgresql_where=sa.text("kind = 'public'"))
    op.drop_index(op.f('ix_handles_user_id'), table_name='handles')
    op.drop_table('handles')
    op.drop_table('users')
    op.drop_table('groups')
    op.drop_table('boards')
