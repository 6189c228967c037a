"""Who is running the periodic jobs right now (SQLite; PostgreSQL uses an advisory lock)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class JobLease(db.Model):
    """A lease on one kind of work: taken with one conditional UPDATE, so one run at a time
    does it; it lapses by itself at `until` should the run that held it die."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # A random token of the run holding it; None when free.
    holder: Mapped[Optional[str]] = mapped_column(String(32))
    until: Mapped[Optional[datetime]]
