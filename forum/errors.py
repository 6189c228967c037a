"""Friendly error pages, and the page that hands a rejected writer their text back."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import submission_keys
from .extensions import db
from .security import came_from_this_site

MESSAGES = {
    400: (_l("Something in that request was not right"),
          _l("The page could not understand what was sent.")),
    403: (_l("Not allowed"), _l("You do not have permission to do that.")),
    404: (_l("Page not found"), _l("There is nothing here. It may have been moved or removed.")),
    405: (_l("Not allowed here"), _l("That kind of request does not work on this page.")),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts. Your text is too "
                              "long to send in one go.")),
    429: (_l("Please slow down"),
          _l("You have done that too often. Please wait a little and try again.")),
    500: (_l("Something went wrong"),
          _l("The site had a problem. Nothing you did caused it; please try again.")),
}


def pending_fields() -> list[tuple[str, str]]:
    """The fields of the rejected POST in the order sent, minus its CSRF token and passwords."""
    return [
        (k, v) for k, v in request.form.items(multi=True)
        if k != "csrf_token" and "password" not in k and k != "confirm"
    ]


def resubmit_page(message: str, status: int, action: str | None = None,
                  fields: list[tuple[str, str]] | None = None, needs_login: bool = False,
                  stored_unknown: bool = False):
    """A page with the writer's text intact in a fresh form that sends it again.
    `stored_unknown`: the site failed midway, so whether the text was stored is not known."""
    return render_template(
        "errors/resubmit.html",
        message=message,
        needs_login=needs_login,
        stored_unknown=stored_unknown,
        action=action or request.full_path.rstrip("?"),
        fields=pending_fields() if fields is None else fields,
    ), status


def _page(status: int, description: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", status=status, title=title,
                           description=description or default), status


def _http_error(error: HTTPException):
    if error.code == 405 or error.code is None:
        return _page(error.code or 500)
    description = error.description if getattr(error, "custom_message", False) else None
    return _page(error.code, description)


def _csrf_error(error: CSRFError):
    # The text goes back, with a fresh token, only to a form the browser says came from this
    # site: handed back to another site's form, it would put that site's words in a person's
    # mouth for the price of one click.
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return _page(400, _("This form was sent from another website, so nothing was saved."))
    if not came_from_this_site():
        return _page(400, _("This form had expired, or it was sent from somewhere other than "
                            "this site, so nothing was saved. If you wrote it here, go back to "
                            "that page: your browser may still have your text."))
    return resubmit_page(
        _("This form had expired or came from another page, so nothing was saved yet. "
          "Your text is below: check it and send it again."), 400)


def _server_error(error):
    # A writer whose words met a failure of the site (the database gone for a moment, say)
    # gets them back, as after any other refusal: the page they came from may be gone from
    # their browser. Only words (a value with a space or a line break), not a button's
    # value, and only to this site's own forms, as in _csrf_error.
    try:
        fields = pending_fields() if request.method == "POST" else []
    except HTTPException:  # a body that cannot be read has no words to give back
        fields = []
    if any(" " in value or "\n" in value for _name, value in fields) and came_from_this_site():
        db.session.rollback()  # whatever failed, the page is read afresh
        submission_keys.keep_sent_key()  # sent again, it is stored once either way
        return resubmit_page(
            _("The site had a problem and could not finish this. Nothing you did caused it. "
              "Your text is below: send it again in a moment."), 500, stored_unknown=True)
    return _page(500)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
