"""unmaskings become requests: one administrator asks, another approves, the answer is shown once.

Look-ups made before this (one administrator alone) are kept as approved and already shown,
of an unrecorded kind, so the public transparency page counts them too.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unmaskings') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('state', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('shown_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE unmaskings SET kind = 'unrecorded', state = 'approved', "
               "decided_at = created_at, shown_at = created_at")
    with op.batch_alter_table('unmaskings') as batch:
        batch.alter_column('kind', existing_type=sa.String(length=16), nullable=False)
        batch.alter_column('state', existing_type=sa.String(length=16), nullable=False)
        batch.create_foreign_key(op.f('fk_unmaskings_decided_by_id_users'), 'users',
                                 ['decided_by_id'], ['id'], ondelete='SET NULL')
        batch.create_check_constraint(op.f('ck_unmaskings_state'),
                                      "state IN ('asked', 'approved', 'refused')")
        batch.create_check_constraint(op.f('ck_unmaskings_two_administrators'),
                                      'decided_by_id IS NULL OR decided_by_id != admin_id')


def downgrade():
    # Requests never approved were never look-ups: the old table has no place for them.
    op.execute("DELETE FROM unmaskings WHERE state != 'approved'")
    with op.batch_alter_table('unmaskings') as batch:
        batch.drop_constraint(op.f('ck_unmaskings_two_administrators'), type_='check')
        batch.drop_constraint(op.f('ck_unmaskings_state'), type_='check')
        batch.drop_constraint(op.f('fk_unmaskings_decided_by_id_users'), type_='foreignkey')
        batch.drop_column('shown_at')
        batch.drop_column('decided_at')
        batch.drop_column('decided_by_id')
        batch.drop_column('state')
        batch.drop_column('kind')
