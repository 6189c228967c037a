"""How gunicorn.conf.py sets up a worker once it has loaded the app."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import text

from forum.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_puts_what_it_loaded_out_of_the_collectors_sight(monkeypatch):
    """gc.freeze() after the app is loaded: the collector's full passes skip the app's own
    objects (some 70 ms a pass otherwise, on one request in a thousand)."""
    monkeypatch.setenv("SITE_URL", "https://forum.example.org")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.collect()
    before = gc.get_freeze_count()  # tests/conftest.py freezes the suite's own start
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.freeze()
    assert gc.get_freeze_count() >= before


def test_workers_are_recycled_rarely_and_staggered(monkeypatch):
    """A recycled worker loads the app again and starts with empty caches: every 100,000
    requests by default, GUNICORN_MAX_REQUESTS otherwise (0: never), a tenth of it staggered."""
    monkeypatch.setenv("SITE_URL", "https://forum.example.org")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (100_000, 10_000)
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "0")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (0, 0)


def test_the_master_forks_workers_holding_no_connection_and_its_objects_frozen(app,
                                                                                monkeypatch):
    """preload_app: the master loads the app once and forks each worker from it. Before each
    fork it empties its database pools (a connection is never used by two processes) and
    freezes what loading made, so a worker's collections leave those pages shared."""
    monkeypatch.setenv("SITE_URL", "https://forum.example.org")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["preload_app"] is True
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # a connection the master would hand down
        db.session.remove()
        engine = db.engine
        assert engine.pool.checkedin() == 1
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
    gc.collect()
    before = gc.get_freeze_count()
    gc.unfreeze()
    try:
        settings["pre_fork"](server=server, worker=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.freeze()
    assert gc.get_freeze_count() >= before
    with app.app_context():
        assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # it opens a new one
