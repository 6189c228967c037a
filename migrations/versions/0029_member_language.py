"""member language: the language a member chose for the site (None follows the browser)

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 08:00:00.000000

One nullable column on users: existing accounts follow their browser, as before.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


# Plain ALTERs on users (SQLite adds a nullable column, and drops one since 3.35, in place).
def upgrade():
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('users', 'language')
