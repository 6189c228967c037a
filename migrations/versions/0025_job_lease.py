"""the lease that lets one run of `flask jobs run` work at a time (SQLite)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-29 20:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_leases',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('holder', sa.String(length=32), nullable=True),
        sa.Column('until', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_leases')),
    )


def downgrade():
    op.drop_table('job_leases')
