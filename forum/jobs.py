"""Periodic work in one place: `flask --app wsgi jobs run`, from cron or a systemd timer.

Safe to start on every host at once: a lock in the database lets one run do the work, and
any other says so and exits 0. PostgreSQL: a transaction-level advisory lock
(`pg_try_advisory_xact_lock`) on a connection of its own, held for the whole run; being tied
to a transaction, it also holds through PgBouncer in transaction mode, and it goes when the
run's connection does, however the run ends. SQLite: a lease row (`job_leases`) taken with one
conditional UPDATE, which lapses by itself after LEASE_FOR should the run die.

Each job runs in its own transaction: one that fails is rolled back and reported, and the
others still run. The exit code is 1 if any failed.
"""
from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator, Sequence

import click
from flask.cli import AppGroup
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .auth.password_reset import KEEP_FOR as RESET_KEPT_FOR
from .auth.two_step import SETUP_LASTS
from .clock import utcnow
from .extensions import db
from .models import Invitation, PasswordReset, PendingEmail, TwoStepSecret
from .models.jobs import JobLease
from .notifications import mail, service
from .posting import replies
from .posting.blog_uploads import forget_old_uploads
from .reading import service as reading

log = logging.getLogger("forum.jobs")

# The advisory lock's key: any fixed 64-bit number no other part of the site uses ("AFTRJOBS").
LOCK_KEY = 0x414654524A4F4253
LEASE = "jobs"
LEASE_FOR = timedelta(hours=1)
# An unused invitation code stays listed as "expired" for its maker this long, then goes.
EXPIRED_INVITATIONS_KEPT = timedelta(days=30)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


# --- the jobs ----------------------------------------------------------------------------

def forget_unconfirmed_emails(now: datetime) -> int:
    """Addresses nobody confirmed within 48 hours are forgotten."""
    return db.session.execute(PendingEmail.forget_unconfirmed(now)).rowcount or 0


def forget_deleted_texts(now: datetime) -> int:
    """A deleted post's text kept past its undo window (a worker stopped before its timer)."""
    return replies.forget_old_deletions()


def prune_password_resets(now: datetime) -> int:
    """Reset links (their hashes) past the day they are kept to say "used" or "expired"."""
    return db.session.execute(delete(PasswordReset)
                              .where(PasswordReset.created_at <= now - RESET_KEPT_FOR)
                              .execution_options(synchronize_session=False)).rowcount or 0


def forget_abandoned_two_step(now: datetime) -> int:
    """Two-step secrets shown but never confirmed in their 15 minutes: they can never be used."""
    return db.session.execute(delete(TwoStepSecret)
                              .where(TwoStepSecret.enabled_at.is_(None),
                                     TwoStepSecret.created_at < now - SETUP_LASTS)
                              .execution_options(synchronize_session=False)).rowcount or 0


def prune_invitations(now: datetime) -> int:
    """Unused invitation codes 30 days after they expired (EXPIRED_INVITATIONS_KEPT); used
    ones stay: the moderators keep who invited whom."""
    return db.session.execute(delete(Invitation)
                              .where(Invitation.used_at.is_(None),
                                     Invitation.expires_at <= now - EXPIRED_INVITATIONS_KEPT)
                              .execution_options(synchronize_session=False)).rowcount or 0


def prune_read_marks(now: datetime) -> int:
    """Read marks ("new since my last visit") not moved on in 90 days."""
    return reading.prune(now)


def send_digests(now: datetime) -> int:
    """The daily email to each person who asked for it: how many new replies they have."""
    due = service.digests_due(now)
    if due:
        mail.send([mail.digest_message(user.email, count, user=user) for user, count in due])
        for user, _ in due:
            service.digest_sent(user, now)
    return len(due)


@dataclass(frozen=True)
class Job:
    name: str
    work: Callable[[datetime], int]
    says: Callable[[int], str]


JOBS: tuple[Job, ...] = (
    Job("unconfirmed-emails", forget_unconfirmed_emails,
        lambda n: f"Forgot {_plural(n, 'unconfirmed email address', 'unconfirmed email addresses')}."),
    Job("deleted-texts", forget_deleted_texts,
        lambda n: f"Erased the kept text of {_plural(n, 'deleted post', 'deleted posts')}."),
    Job("password-resets", prune_password_resets,
        lambda n: f"Removed {_plural(n, 'old password-reset link', 'old password-reset links')}."),
    Job("two-step-setups", forget_abandoned_two_step,
        lambda n: f"Removed {_plural(n, 'abandoned two-step set-up', 'abandoned two-step set-ups')}."),
    Job("invitations", prune_invitations,
        lambda n: f"Removed {_plural(n, 'long-expired invitation code', 'long-expired invitation codes')}."),
    Job("blog-uploads", forget_old_uploads,
        lambda n: f"Removed {_plural(n, 'day-old blog upload', 'day-old blog uploads')}."),
    Job("read-marks", prune_read_marks,
        lambda n: f"Removed {_plural(n, 'read mark older than 90 days', 'read marks older than 90 days')}."),
    Job("digests", send_digests, lambda n: f"Sent {_plural(n, 'digest', 'digests')}."),
)
NAMES = tuple(job.name for job in JOBS)


# --- one run at a time, across every host -------------------------------------------------

class Busy(Exception):
    """Another run (on this host or another) holds the lock."""


@contextmanager
def exclusive(engine: Engine) -> Iterator[None]:
    """Hold the database's lock on the jobs for the block, or raise Busy at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # its transaction, and so the lock, ends with the block
            if not conn.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar():
                raise Busy()
            yield
        return
    token = secrets.token_hex(16)
    now = utcnow()  # the real clock: a lease is about this run, whatever `now` the jobs use
    with engine.begin() as conn:
        conn.execute(sqlite_insert(JobLease).values(name=LEASE).on_conflict_do_nothing())
        taken = conn.execute(
            update(JobLease)
            .where(JobLease.name == LEASE, or_(JobLease.until.is_(None), JobLease.until <= now))
            .values(holder=token, until=now + LEASE_FOR)).rowcount
    if not taken:
        raise Busy()
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(update(JobLease).where(JobLease.name == LEASE, JobLease.holder == token)
                         .values(holder=None, until=None))


# --- running them -------------------------------------------------------------------------

@dataclass
class Outcome:
    job: Job
    count: int | None = None
    error: str | None = None

    @property
    def line(self) -> str:
        if self.error is not None:
            return f"{self.job.name}: FAILED ({self.error})"
        return f"{self.job.name}: {self.job.says(self.count or 0)}"


def _why(error: Exception) -> str:
    """What went wrong, without the values involved: a database error's first line (its
    statement's parameters, which may hold an address, come on later lines); otherwise only the
    kind of error (a mail server's refusal names the recipients)."""
    if isinstance(error, SQLAlchemyError):
        return str(error).splitlines()[0][:200]
    return type(error).__name__


def run_jobs(now: datetime, jobs: Sequence[Job] = JOBS,
             report: Callable[[Outcome], None] = lambda outcome: None) -> list[Outcome]:
    """Run each job in its own transaction, on after a failure; the caller holds the lock."""
    outcomes = []
    for job in jobs:
        try:
            outcome = Outcome(job, count=job.work(now))
            db.session.commit()
        except Exception as error:  # reported, and the next job still runs
            db.session.rollback()
            log.warning("job_failed job=%s reason=%r", job.name, type(error).__name__)
            outcome = Outcome(job, error=_why(error))
        outcomes.append(outcome)
        report(outcome)
    return outcomes


def run_and_report(now: datetime, only: Sequence[str] = ()) -> int:
    """Take the lock, run the jobs (all, or those named), print each one's line; the exit code."""
    chosen = [job for job in JOBS if not only or job.name in only]
    try:
        with exclusive(db.engine):
            outcomes = run_jobs(now, chosen,
                                report=lambda outcome: click.echo(outcome.line,
                                                                  err=outcome.error is not None))
    except Busy:
        click.echo("Another host is running the jobs; nothing done here.")
        return 0
    failed = [outcome.job.name for outcome in outcomes if outcome.error is not None]
    if failed:
        click.echo(f"{_plural(len(failed), 'job', 'jobs')} failed: {', '.join(failed)}.", err=True)
        return 1
    return 0


jobs = AppGroup("jobs", help="The periodic work (digests, forgetting what expired): run it "
                             "from cron or a systemd timer, on any or every host.")


@jobs.command("run")
@click.option("--only", multiple=True, type=click.Choice(NAMES),
              help="Run only this job (may be given more than once).")
def run_command(only: tuple[str, ...]) -> None:
    """Run every periodic job once, unless another host is running them right now."""
    raise SystemExit(run_and_report(utcnow(), only))


@jobs.command("list")
def list_command() -> None:
    """Name each periodic job and what it does."""
    for job in JOBS:
        click.echo(f"{job.name:<20} {' '.join((job.work.__doc__ or '').split())}")
