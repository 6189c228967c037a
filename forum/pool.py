"""A pooled PostgreSQL connection is checked before use only when it has lain idle.

SQLAlchemy's `pool_pre_ping` sends a round trip to the server before every request's first
statement: a third of a millisecond on every page and every post (bench/RESULTS.md), to find
the rare connection the server closed while it lay in the pool (a restart, a failover, an
idle timeout). A connection a worker put back a moment ago is as alive as the server: those
are used as they are, and only one idle for DATABASE_PING_AFTER seconds (default 1) or more
is pinged first. A dead one is then replaced before the request uses it (the pool's checkout
event raising DisconnectionError, as SQLAlchemy documents).

What is left is a server that went away within that second and came back before the next
request: that request fails at its first statement, SQLAlchemy replaces every connection of
the pool, and a writer is handed their text back (forum/errors.py). SQLite has nothing to
ping."""
from __future__ import annotations

from time import monotonic

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from .extensions import db

_IDLE_SINCE = "afterward_idle_since"  # in the pool entry's info, which dies with its connection


def init_app(app: Flask) -> None:
    """After db.init_app."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        return
    after = float(app.config["DATABASE_PING_AFTER"])
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _put_back(dbapi_connection, entry) -> None:
        entry.info[_IDLE_SINCE] = monotonic()

    @event.listens_for(engine, "connect")
    def _new(dbapi_connection, entry) -> None:
        entry.info[_IDLE_SINCE] = monotonic()  # just opened: alive

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, entry, proxy) -> None:
        since = entry.info.get(_IDLE_SINCE)
        if since is not None and monotonic() - since < after:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the connection was closed while idle") from error
