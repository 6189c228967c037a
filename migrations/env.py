"""Alembic environment, run by `flask db ...` inside the Flask app context."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from forum.search.index import include_object

config = context.config

# Alembic's own logging setup (alembic.ini) only when nobody else configured logging: under
# pytest or gunicorn it would replace their handlers and silence the app's loggers.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    return target_db.engine


def get_engine_url():
    return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")


config.set_main_option("sqlalchemy.url", get_engine_url())


def get_metadata():
    return target_db.metadata


def _options() -> dict:
    """Settings shared by online and offline runs."""
    return {
        "target_metadata": get_metadata(),
        # SQLite cannot ALTER most things: batch mode copies the table instead. On for every
        # backend, so a revision generated against PostgreSQL still runs on SQLite.
        "render_as_batch": True,
        "compare_type": True,
        "compare_server_default": True,
        # The search index (FTS5 tables, GIN indexes) is built by migrations 0002 and 0004,
        # each with its own DDL, and by forum.search.index.install(), not from the models:
        # autogenerate leaves it alone.
        "include_object": include_object,
    }


def run_migrations_offline():
    """Print the SQL instead of running it (`flask db upgrade --sql`)."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations against the app's database."""

    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no model changes writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with get_engine().connect() as connection:
        context.configure(connection=connection, **{**_options(), **conf_args})
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
