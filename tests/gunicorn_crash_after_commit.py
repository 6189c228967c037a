"""gunicorn settings for tests/test_submission_crash.py: a worker that dies after a commit.

Loaded with `gunicorn -c` in place of gunicorn.conf.py. When the file named by CRASH_MARKER
exists, the next POST that commits ends its worker right after the COMMIT, before any answer
is written: as a power cut, an OOM kill or a deploy would. The marker is removed first, so the
worker gunicorn starts in its place serves normally. Nothing here is part of the site.
"""
import os

workers = 1
worker_class = "sync"
# The app is loaded once, in the master, so the worker started in place of the dead one
# answers at once (as in the production settings).
preload_app = True
accesslog = None
errorlog = "-"
loglevel = "warning"


def post_worker_init(worker):
    from flask import has_request_context, request
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from forum.extensions import db

    # No connection made in the master is shared with this worker.
    with worker.wsgi.app_context():
        db.engine.dispose(close=False)
    marker = os.environ["CRASH_MARKER"]

    def die_after_commit(session):
        if has_request_context() and request.method == "POST" and os.path.exists(marker):
            os.remove(marker)
            os._exit(1)

    event.listen(Session, "after_commit", die_after_commit)
