"""/contact for members and visitors, and the moderators' inbox under /mod/contact."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import permissions
from ..clock import utcnow
from ..extensions import db
from ..models import Conversation
from ..posting.refusals import PostingError
from ..moderation import appeals
from . import service

bp = Blueprint("contact", __name__)


def _retry(error: PostingError) -> dict:
    return {"Retry-After": str(error.retry_after)} if getattr(error, "retry_after", None) else {}


def _names():
    if not current_user.is_authenticated:
        return []
    return [(handle.id, service.name_label(handle)) for handle in service.names_of(current_user)]


@bp.route("/contact", methods=["GET", "POST"])
def write():
    """Write to the moderators: a member under a name of theirs, a visitor with a code."""
    typed, chosen, refusal = "", None, None
    if request.method == "POST":
        typed = request.form.get("body", "")
        chosen = request.form.get("name", type=int)
        try:
            conversation, code = service.start(current_user, chosen, typed, utcnow())
        except PostingError as error:
            refusal = error
        else:
            if code is None:
                flash(_("Your message is with the moderators. Their answer will appear here."))
                return redirect(url_for(".conversation", conversation_id=conversation.public_id))
            # The code is shown in this answer only, never behind a GET that could be re-read.
            return render_template("contact/code.html", code=code)
    status = refusal.status if refusal else 200
    return render_template("contact/write.html", typed=typed, chosen=chosen, names=_names(),
                           refusal=refusal.message if refusal else None), status, (
        _retry(refusal) if refusal else {})


@bp.route("/contact/mine")
@login_required
def mine():
    """The member's conversations with the moderators."""
    return render_template("contact/mine.html", conversations=service.mine(current_user))


@bp.route("/contact/mine/<public_id:conversation_id>", methods=["GET", "POST"])
@login_required
def conversation(conversation_id):
    try:
        conversation = service.members_conversation(current_user, conversation_id)
    except service.NotYours:
        abort(404)
    return _conversation_page(conversation, url_for(".conversation",
                                                    conversation_id=conversation_id))


def _conversation_page(conversation, action, code=None):
    typed, refusal = "", None
    if request.method == "POST" and "body" in request.form:
        typed = request.form.get("body", "")
        try:
            service.write_back(conversation, current_user if code is None else None, typed,
                               utcnow())
        except PostingError as error:
            refusal = error
        else:
            if code is None:
                flash(_("Sent to the moderators."))
                return redirect(action)
            typed = ""
    return render_template("contact/conversation.html", conversation=conversation,
                           action=action, code=code, typed=typed,
                           refusal=refusal.message if refusal else None), (
        refusal.status if refusal else 200), (_retry(refusal) if refusal else {})


@bp.route("/contact/read", methods=["GET", "POST"])
def read():
    """A visitor reads (and answers) their conversation with the code they were given.

    The code travels in a form, never in the address: it stays out of history and logs."""
    if request.method == "GET":
        return render_template("contact/read.html")
    code = request.form.get("code", "")
    try:
        conversation = service.by_code(code)
    except PostingError as error:
        return render_template("contact/read.html", refusal=error.message, code=code), \
            error.status, _retry(error)
    return _conversation_page(conversation, url_for(".read"), code=code)


# --- the moderators' side ---------------------------------------------------------------

def _moderator_or_403():
    if not permissions.can_moderate(current_user):
        abort(403)


@bp.route("/mod/contact")
@login_required
def inbox():
    _moderator_or_403()
    return render_template("contact/inbox.html", conversations=service.inbox())


def _moderated(conversation_id):
    return db.first_or_404(select(Conversation).where(Conversation.public_id == conversation_id))


@bp.route("/mod/contact/<public_id:conversation_id>", methods=["GET", "POST"])
@login_required
def moderate(conversation_id):
    """Read a conversation and answer it, as "the moderators"."""
    _moderator_or_403()
    conversation = _moderated(conversation_id)
    typed, refusal = "", None
    if request.method == "POST":
        typed = request.form.get("body", "")
        try:
            service.answer(current_user, conversation, typed, utcnow())
        except PostingError as error:
            refusal = error.message
        else:
            flash(_("Your answer is sent, signed “the moderators”."))
            return redirect(url_for(".moderate", conversation_id=conversation_id))
    return render_template("contact/moderate.html", conversation=conversation, typed=typed,
                           refusal=refusal), 400 if refusal else 200


@bp.route("/mod/contact/<public_id:conversation_id>/close", methods=["POST"])
@login_required
def close(conversation_id):
    _moderator_or_403()
    conversation = _moderated(conversation_id)
    try:
        service.close(current_user, conversation, utcnow())
    except PostingError as error:
        flash(error.message, "error")
        return redirect(url_for(".moderate", conversation_id=conversation_id))
    flash(_("The conversation is closed."))
    return redirect(url_for(".inbox"))


# --- appeals: the member's side (the moderators' is in forum/moderation/routes.py) ---------

@bp.route("/appeal", methods=["GET", "POST"])
@login_required
def appeal():
    """Appeal the suspension in force, once; then see what became of the appeal."""
    now = utcnow()
    suspension = appeals.current_suspension(current_user, now)
    filed = appeals.appeal_of(suspension) if suspension else appeals.latest_of(current_user)
    typed, refusal = "", None
    if request.method == "POST":
        typed = request.form.get("body", "")
        try:
            appeals.appeal(current_user, typed, now)
        except PostingError as error:
            refusal = error
        else:
            flash(_("Your appeal is with the moderators. One who did not suspend you will decide."))
            return redirect(url_for(".appeal"))
    return render_template("contact/appeal.html", appealed=suspension, filed=filed,
                           typed=typed, refusal=refusal.message if refusal else None), (
        refusal.status if refusal else 200), (_retry(refusal) if refusal else {})
