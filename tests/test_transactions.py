"""A request that only read ends its transaction with COMMIT (psycopg keeps its prepared
statements: a ROLLBACK makes it forget them all); anything that wrote, or failed, is rolled
back as before, and what it wrote without committing is never kept."""
from contextlib import contextmanager

import pytest
from flask import abort
from sqlalchemy import event, select, update

from forum.extensions import db
from forum.models import User
from tests.factories import make_user


@contextmanager
def endings(app):
    """The COMMITs and ROLLBACKs the app's engine sends meanwhile, in order."""
    seen = []
    with app.app_context():
        engine = db.engine
    listeners = {"commit": lambda conn: seen.append("commit"),
                 "rollback": lambda conn: seen.append("rollback")}
    for name, fn in listeners.items():
        event.listen(engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in listeners.items():
            event.remove(engine, name, fn)


def _bio(app, login):
    with app.app_context():
        return db.session.scalar(select(User.bio).where(User.login_name == login))


@pytest.fixture
def routes(app):
    """Views that break the rules on purpose: each writes and never commits."""
    def core_write():
        db.session.execute(update(User).where(User.login_name == "writer").values(bio="core"))
        return "done"

    def orm_flush():
        user = db.session.scalar(select(User).where(User.login_name == "writer"))
        user.bio = "flushed"
        db.session.flush()
        return "done"

    def orm_dirty():
        user = db.session.scalar(select(User).where(User.login_name == "writer"))
        user.bio = "dirty"
        return "done"

    def fails():
        user = db.session.scalar(select(User).where(User.login_name == "writer"))
        user.bio = "failed"
        db.session.flush()
        abort(500)

    for view in (core_write, orm_flush, orm_dirty, fails):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)


def test_a_page_read_ends_with_a_commit(app, ctx, client):
    make_user("writer", "Writer").bio = "kept"
    db.session.commit()
    with endings(app) as seen:
        assert client.get("/u/Writer").status_code == 200
    assert seen == ["commit"]


@pytest.mark.parametrize("view", ["core_write", "orm_flush", "orm_dirty", "fails"])
def test_a_request_that_wrote_without_committing_is_rolled_back(app, ctx, routes, client, view):
    make_user("writer", "Writer").bio = "kept"
    db.session.commit()
    with endings(app) as seen:
        client.get(f"/_test/{view}")
    assert "commit" not in seen
    assert _bio(app, "writer") == "kept"

