"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything comes from the environment, so each host sets only what differs:
WEB_CONCURRENCY (worker processes, default 2), PORT (default 8000), BIND (overrides PORT,
e.g. "unix:/run/afterward.sock"), GUNICORN_TIMEOUT. SITE_URL is required.
"""
import os

# Production builds feed, sitemap and email links from SITE_URL and answers only to its host
# (TRUSTED_HOSTS): without it, every link would point at the development default.
if not os.environ.get("SITE_URL"):
    raise SystemExit("SITE_URL is not set: the site's public address, e.g. https://forum.example.org")

# Loopback only, by default: the reverse proxy on this host is the only client. Rate limits
# count the address in X-Forwarded-For once TRUSTED_PROXIES is set, and anyone who could
# reach gunicorn directly could write any address there and never be limited. A proxy on
# another host needs BIND set to an address only it can reach (or a firewall that says so).
bind = os.environ.get("BIND") or f"127.0.0.1:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Synchronous workers: each request is a few short queries, and nothing is held between them.
worker_class = "sync"

# A request still running after this long is killed and its worker replaced: a slow page must
# not hold a worker for ever. A posting request (rendering 100,000 characters) takes well
# under a second.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30

# Recycle workers now and then, staggered, so slow memory growth never builds up: every
# GUNICORN_MAX_REQUESTS requests (100,000 by default; 0 never). A new worker is forked from
# the master, which holds the loaded app (preload_app, below), but starts with empty caches and
# builds them again. Every cache in the app is bounded (README, "More app hosts"), so memory
# stops growing once they are full.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10

# Privacy: no access log. Its usual format starts with the client's address, and this site
# keeps no record of who read what. Errors still go to stderr (no addresses in them).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# The app is loaded once, in the master, and each worker is a fork of it: what loading made
# (the code, SQLAlchemy's mappings, the templates' machinery) is in memory once for all the
# workers, not once in each, and a recycled worker starts at once instead of loading the app
# again (0.75 s of CPU). Loading the app opens no connection, and the master drops its pools
# before each fork (pre_fork), so no connection is ever shared: each worker opens its own. A
# new release needs a restart: gunicorn's HUP forks new workers from the app already loaded.
# Client addresses behind proxies are the app's business: it trusts exactly TRUSTED_PROXIES
# hops of X-Forwarded-For (ProxyFix in forum/__init__.py), and uses them for rate limits only.
preload_app = True


def pre_fork(server, worker):
    """In the master, before each worker is forked.

    Its database pools are emptied (SQLAlchemy's "Using Connection Pools with Multiprocessing
    or os.fork()"): a connection must never be used by two processes, and the master has no
    use for one. Then what loading made, which lives as long as the workers, is put out of the
    collector's sight (gc.freeze) once what it left behind is gone: a worker's collections
    then never write to those objects, which would copy the pages they sit on into the worker
    (the advice of Python's documentation for gc.freeze)."""
    import gc

    from forum.extensions import db
    app = server.app.wsgi()
    if app.extensions.get("sqlalchemy") is db:  # not bench/baseline.py, which reads this too
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    """Once the worker is ready: everything made so far lives as long as the worker, so the
    garbage collector no longer looks at it either (gc.freeze). Its full passes then take a
    millisecond instead of some 70, which fell on one request in a thousand, and its
    collections about half the time they took (bench/RESULTS.md)."""
    import gc
    gc.collect()  # what starting left behind goes first, not kept for ever
    gc.freeze()
