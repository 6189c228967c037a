"""The Alembic migrations build exactly the schema the models describe, and tear it down again.

Each test migrates its own scratch database, never the one the other tests fill with
db.create_all(): a separate SQLite file, or (with TEST_DATABASE_URL on PostgreSQL) a separate
database created on the same server and dropped afterwards.
"""
from __future__ import annotations

import ast
from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from forum.extensions import db
from forum.search.index import include_object, is_search_table

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def schema_diff() -> list:
    """Differences between the live database and the models, as Alembic sees them."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True,
                        # The search index is built by install(), not from the models (env.py).
                        "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


def forum_imports(source: str) -> list[int]:
    """Line numbers of every import of the forum package in a module, at any depth."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "forum" or name.startswith("forum.") for name in names):
            lines.append(node.lineno)
    return lines


def test_forum_imports_are_found():
    assert forum_imports("import forum") == [1]
    assert forum_imports("def f():\n    from forum.search import service\n") == [2]
    assert forum_imports("import os, forum.models as m") == [1]
    assert forum_imports("import forumlike\nfrom alembic import op\n") == []


def test_migrations_carry_their_own_ddl():
    """A migration builds the schema of its own time: it never imports today's code."""
    found = {
        path.name: lines
        for path in sorted((Path(MIGRATIONS) / "versions").glob("*.py"))
        if (lines := forum_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"migrations import the forum package (file: lines): {found}"


def test_one_head():
    heads = ScriptDirectory(MIGRATIONS).get_heads()
    assert len(heads) == 1, f"migrations branch: heads {heads}; merge them"


def test_upgrade_matches_models(scratch_app):
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        assert schema_diff() == []
        tables = {t for t in inspect(db.engine).get_table_names() if not is_search_table(t)}
        assert tables == set(db.metadata.tables) | {"alembic_version"}


def test_public_handle_index_is_partial(scratch_app):
    """compare_metadata does not look at WHERE clauses, so check the one partial index here."""
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("handles")}
        index = indexes["uq_handles_public_name_key"]
        assert index["unique"]
        where = {k: v for k, v in index.get("dialect_options", {}).items() if k.endswith("_where")}
        assert where and "public" in str(next(iter(where.values()))), index


def test_downgrade_to_base_and_back(scratch_app):
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade(directory=MIGRATIONS)
        assert schema_diff() == []
