"""Flask extensions, created unbound and attached to the app in create_app()."""
import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter and drop them on every backend.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class MigrateOnDemand:
    """Flask-Migrate, imported only by a process that migrates.

    Importing it brings in Alembic and Mako, 12 MB in every web worker, which never
    migrates (bench/RESULTS.md, memory). `flask db ...` and flask_migrate's functions
    (upgrade(), downgrade(), as the tests and bench/generate.py call them) work as usual: the
    first use sets up the real extension in place of this one.
    """

    def init_app(self, app, db, directory: str) -> None:
        app.extensions["migrate"] = _PendingMigrate(app, db, directory)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations."))


class _PendingMigrate:
    """Holds app.extensions["migrate"] until something asks it for anything."""

    def __init__(self, app, db, directory):
        self.app, self.db, self.directory = app, db, directory

    def __getattr__(self, name):
        from flask_migrate import Migrate
        Migrate(self.app, self.db, directory=self.directory)  # replaces this object
        return getattr(self.app.extensions["migrate"], name)


class _MigrationCommands(click.Group):
    """`flask db`: Flask-Migrate's command group, imported when it runs or lists itself."""

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db as group
        return group

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        return self._real().invoke(ctx)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


db = SQLAlchemy(model_class=Base)
babel = Babel()
migrate = MigrateOnDemand()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
