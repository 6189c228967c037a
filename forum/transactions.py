"""A request that only read ends its database transaction with COMMIT, not ROLLBACK.

Flask-SQLAlchemy ends every request's session with a rollback. On PostgreSQL, psycopg takes
a ROLLBACK to mean the database's objects may have changed: it forgets every statement it
had prepared on that connection and sends DEALLOCATE ALL. So no statement was ever kept
prepared, and the server planned each page's statements again on every request.

A transaction that wrote nothing ends the same way whether it commits or rolls back, so such
a transaction is committed here, before Flask-SQLAlchemy's own teardown. "Wrote nothing" is
decided without trusting any view: every statement sent in this app context that is not a
SELECT marks it (an engine event), and a session holding unflushed changes is left alone.
Anything else is rolled back by Flask-SQLAlchemy exactly as before: a view that wrote and did
not commit, or an exception, never has its writes kept.
"""
from __future__ import annotations

from flask import Flask, g, has_app_context
from sqlalchemy import event

from .extensions import db


def _note_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_app_context() and not g.get("db_wrote") \
            and statement.lstrip()[:6].upper() != "SELECT":
        g.db_wrote = True


def _end_read_only(error: BaseException | None) -> None:
    if error is not None or g.get("db_wrote"):
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    # Nothing changed, so nothing to expire: objects loaded in the request keep their values
    # after it, as they did when the session was only closed.
    session.expire_on_commit = False
    session.commit()


def init_app(app: Flask) -> None:
    """After db.init_app: teardown functions run in reverse order, so this one runs before
    Flask-SQLAlchemy removes the session."""
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _note_statement)
    app.teardown_appcontext(_end_read_only)
