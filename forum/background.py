"""Work done after the answer, in one background thread per process.

For what must not change how long a request takes: a password-reset request looks up the
account and mails it after answering, so the answer takes as long whether or not an account
matched. Each job runs in its own application context (its own database session); a failure
is logged by the job's name alone, never with its arguments (an address, a login name).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from flask import current_app

log = logging.getLogger("forum.background")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_queued: set[Future] = set()


def _run(app, job: Callable, args: tuple) -> None:
    with app.app_context():
        try:
            job(*args)
        except Exception as error:  # a failed job must not take the thread down with it
            log.warning("background_job_failed job=%s reason=%r", job.__name__,
                        type(error).__name__)


def run_later(job: Callable, *args) -> None:
    """Run job(*args) after this request, in this app's context, in the background thread."""
    global _executor
    app = current_app._get_current_object()
    with _lock:
        if _executor is None:  # made on first use, in the process (worker) that uses it
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forum-background")
        future = _executor.submit(_run, app, job, args)
        _queued.add(future)
    future.add_done_callback(_queued.discard)


def wait(timeout: float = 15) -> None:
    """Wait until every job queued so far has run (for tests and commands)."""
    for future in list(_queued):
        future.result(timeout=timeout)


def run_after(seconds: float, job: Callable, *args) -> None:
    """Run job(*args) in this app's context once `seconds` have passed, on a daemon timer.

    Best effort: a worker that stops first drops it, so whatever it was for must also be
    done by a later request or the daily command."""
    timer = threading.Timer(seconds, _run, (current_app._get_current_object(), job, args))
    timer.daemon = True
    timer.start()
