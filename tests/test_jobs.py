"""`flask jobs run`: each periodic job forgets what expired and keeps what did not; a failing
job is reported while the others run; and however many hosts start it at once, one does the
work (PostgreSQL's advisory lock under TEST_DATABASE_URL, SQLite's lease row otherwise)."""
from __future__ import annotations

import os
import subprocess  # nosec B404
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.clock import utcnow
from forum.extensions import db
from forum.models import (DeletedPostText, Invitation, JobLease, Notification, PasswordReset,
                          PendingEmail, TwoStepSecret)
from tests.factories import make_board, make_reply, make_thread, make_user

ROOT = Path(__file__).resolve().parent.parent


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", "run", *args])


def _seed(now):
    """One expired and one fresh row for each job that forgets; their users."""
    ana, ben = make_user("ana"), make_user("ben")
    thread = make_thread(ana, make_board())
    old_post, new_post = make_reply(ben, thread), make_reply(ben, thread)
    db.session.add_all([
        PendingEmail(user_id=ana.id, email="old@example.org", token_hash="a" * 64,
                     requested_at=now - timedelta(hours=49)),
        PendingEmail(user_id=ben.id, email="new@example.org", token_hash="b" * 64,
                     requested_at=now - timedelta(hours=47)),
        DeletedPostText(post_id=old_post.id, state="visible", body="gone for good",
                        deleted_at=now - timedelta(minutes=11)),
        DeletedPostText(post_id=new_post.id, state="visible", body="still undoable",
                        deleted_at=now - timedelta(minutes=2)),
        PasswordReset(user_id=ana.id, token_hash="c" * 64, email="a@example.org",
                      password_fingerprint="x", created_at=now - timedelta(days=1, minutes=1)),
        PasswordReset(user_id=ana.id, token_hash="d" * 64, email="a@example.org",
                      password_fingerprint="x", created_at=now - timedelta(minutes=30)),
        # Abandoned set-up; a set-up still in its 15 minutes; one switched on long ago.
        TwoStepSecret(user_id=ana.id, secret="A" * 32, created_at=now - timedelta(minutes=16)),
        TwoStepSecret(user_id=ben.id, secret="B" * 32, created_at=now - timedelta(minutes=5)),
        Invitation(code_hash="e" * 64, created_by_id=ana.id, created_at=now - timedelta(days=60),
                   expires_at=now - timedelta(days=31)),
        Invitation(code_hash="f" * 64, created_by_id=ana.id, created_at=now - timedelta(days=20),
                   expires_at=now - timedelta(days=6)),
        Invitation(code_hash="g" * 64, created_by_id=ana.id, created_at=now - timedelta(days=60),
                   expires_at=now - timedelta(days=31), used_at=now - timedelta(days=50),
                   used_by_id=ben.id),
    ])
    on = make_user("cleo")
    db.session.add(TwoStepSecret(user_id=on.id, secret="C" * 32,
                                 created_at=now - timedelta(days=9),
                                 enabled_at=now - timedelta(days=9)))
    db.session.commit()
    return ana, ben


def test_each_job_forgets_what_expired_and_keeps_the_rest(app, ctx, inbox):
    now = utcnow()
    ana, ben = _seed(now)
    # A digest due: Ana asked for it, has a confirmed address, and an unread reply.
    ana.email, ana.email_digest = "ana@example.org", True
    db.session.commit()
    assert _count(Notification) >= 1

    result = _run(app)
    assert result.exit_code == 0, result.output
    for line in ("unconfirmed-emails: Forgot 1 unconfirmed email address.",
                 "deleted-texts: Erased the kept text of 1 deleted post.",
                 "password-resets: Removed 1 old password-reset link.",
                 "two-step-setups: Removed 1 abandoned two-step set-up.",
                 "invitations: Removed 1 long-expired invitation code.",
                 "digests: Sent 1 digest."):
        assert line in result.output, result.output
    assert db.session.scalars(select(PendingEmail.email)).all() == ["new@example.org"]
    assert db.session.scalars(select(DeletedPostText.body)).all() == ["still undoable"]
    assert db.session.scalars(select(PasswordReset.token_hash)).all() == ["d" * 64]
    assert sorted(db.session.scalars(select(TwoStepSecret.secret))) == ["B" * 32, "C" * 32]
    assert sorted(db.session.scalars(select(Invitation.code_hash))) == ["f" * 64, "g" * 64]
    [(rcpt, _)] = inbox.settle().messages
    assert rcpt == ["ana@example.org"]

    # Nothing is left to do: a second run does nothing, and says so.
    again = _run(app)
    assert again.exit_code == 0 and "Forgot 0 unconfirmed email addresses." in again.output
    assert "digests: Sent 0 digests." in again.output
    # The old command name runs them all too.
    old = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert old.exit_code == 0 and "password-resets: Removed 0" in old.output
    only = _run(app, "--only", "invitations")
    assert only.output.splitlines() == ["invitations: Removed 0 long-expired invitation codes."]


def _failing(now):
    raise RuntimeError("the mail server said no to someone@example.org")


def test_a_failing_job_is_reported_and_the_others_run(app, ctx, monkeypatch):
    now = utcnow()
    _seed(now)
    broken = jobs.Job("broken", _failing, lambda n: "never")
    monkeypatch.setattr(jobs, "JOBS", (jobs.JOBS[0], broken, *jobs.JOBS[1:]))
    result = _run(app)
    assert result.exit_code == 1
    assert "broken: FAILED (RuntimeError)" in result.output
    assert "someone@example.org" not in result.output  # what failed, never whose
    assert "1 job failed: broken." in result.output
    # The jobs before and after it did their work.
    assert "Forgot 1 unconfirmed email address." in result.output
    assert "Removed 1 long-expired invitation code." in result.output
    assert _count(Invitation) == 2 and _count(PendingEmail) == 1
    # A failed job's writes are rolled back, not half-kept.
    def half(now):
        db.session.execute(PendingEmail.forget_unconfirmed(now + timedelta(days=9)))
        raise RuntimeError("stopped")
    monkeypatch.setattr(jobs, "JOBS", (jobs.Job("half", half, lambda n: ""),))
    assert _run(app).exit_code == 1
    assert _count(PendingEmail) == 1


def _locked_run(app, *chosen):
    """What `jobs run` does, without its output: the outcomes, or "busy"."""
    with app.app_context():
        try:
            with jobs.exclusive(db.engine):
                return jobs.run_jobs(utcnow(), chosen)
        except jobs.Busy:
            return "busy"
        finally:
            db.session.remove()


def test_two_runs_at_once_one_does_the_work(app, ctx, monkeypatch):
    """A run that is working holds the lock: a second, started meanwhile, does nothing and
    says so (exit 0); once the first is done, the next run works again."""
    started, finish, ran = threading.Event(), threading.Event(), []

    def slow(now):
        ran.append(threading.current_thread().name)
        started.set()
        assert finish.wait(20)
        return 1

    slow_job = jobs.Job("slow", slow, lambda n: f"did {n}")
    monkeypatch.setattr(jobs, "JOBS", (slow_job,))
    results = {}
    # The first run in a thread of its own (not through the CLI runner, which swaps the
    # process's stdout and so cannot run twice at once); the second through the command.
    first = threading.Thread(target=lambda: results.update(first=_locked_run(app, slow_job)),
                             name="first")
    first.start()
    try:
        assert started.wait(20)
        second = _run(app)
        assert second.exit_code == 0, second.output
        assert second.output == "Another host is running the jobs; nothing done here.\n"
    finally:
        finish.set()
        first.join(20)
    assert [(o.job.name, o.count) for o in results["first"]] == [("slow", 1)]
    assert ran == ["first"]
    # The lock went with the first run.
    third = _run(app)
    assert third.exit_code == 0 and "slow: did 1" in third.output


def test_runs_started_together_do_the_work_once(app, ctx):
    """Four runs released at the same instant: exactly one takes the lock."""
    gate, ran, outputs = threading.Barrier(4), [], []

    def counted(now):
        ran.append(1)
        threading.Event().wait(1.0)  # still working when the others ask for the lock
        return 1

    job = jobs.Job("counted", counted, lambda n: "done")

    def one():
        gate.wait(10)
        outputs.append(_locked_run(app, job))

    runs = [threading.Thread(target=one) for _ in range(4)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(30)
    assert len(ran) == 1
    assert sorted(map(str, outputs)).count("busy") == 3 and len(outputs) == 4


def test_another_process_holding_the_lock_keeps_this_one_out(app, ctx, tmp_path):
    """The lock is the database's, not this process's: a `flask jobs run` started as another
    process while this one holds it does nothing."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SITE_URL": "http://localhost", "RATELIMIT_STORAGE_URI": "memory://",
           "FLASK_APP": "wsgi"}
    with jobs.exclusive(db.engine):
        held = subprocess.run([sys.executable, "-m", "flask", "jobs", "run"],  # nosec B603
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert held.returncode == 0, held.stderr
    assert held.stdout == "Another host is running the jobs; nothing done here.\n"
    free = subprocess.run([sys.executable, "-m", "flask", "jobs", "run",  # nosec B603
                           "--only", "password-resets"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert free.returncode == 0, free.stderr
    assert free.stdout == "password-resets: Removed 0 old password-reset links.\n"


def test_a_lease_left_by_a_run_that_died_lapses(app, ctx):
    """SQLite's lease: one held by a run that died is taken over once its time is up."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's advisory lock goes with the connection of a run that dies")
    db.session.add(JobLease(name=jobs.LEASE, holder="dead" * 8,
                            until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    assert _run(app, "--only", "invitations").output.startswith("Another host")
    db.session.get(JobLease, jobs.LEASE).until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    taken = _run(app, "--only", "invitations")
    assert taken.exit_code == 0 and taken.output.startswith("invitations:")
    lease = db.session.get(JobLease, jobs.LEASE)
    assert lease.holder is None and lease.until is None  # given back at the end
