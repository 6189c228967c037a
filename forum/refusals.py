"""The one shape of "no": a refused request, with the words shown to the person and a status.

Each area names its own refusals (PostingError, ModerationError, RegistrationError,
SettingsError, UnmaskError); all are a Refusal, so a view handles any of them the same way.
"""
from __future__ import annotations


class Refusal(Exception):
    """A request the site turned down; `message` is shown beside what the person sent.

    `status` is the HTTP status of the page that says so, `field` the form field the
    message belongs to (None: the whole form), `retry_after` the seconds to wait before
    trying again (None: no waiting helps).
    """

    status: int = 400
    field: str | None = None
    retry_after: int | None = None

    def __init__(self, message: str, *, status: int | None = None, field: str | None = None,
                 retry_after: int | None = None):
        # Made text in the reader's language now: a lazy message would fail where it goes
        # next (flash() keeps it in the session, jsonify() writes it out).
        message = str(message)
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if field is not None:
            self.field = field
        if retry_after is not None:
            self.retry_after = retry_after


class SettingsError(Refusal):
    """A change to one's own account that was refused, phrased for the form field it concerns."""

    def __init__(self, field: str, message: str, status: int = 400,
                 retry_after: int | None = None):
        super().__init__(message, status=status, field=field, retry_after=retry_after)
