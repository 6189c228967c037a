"""Moderation: the reports queue, review pages, every moderator action, and the public log.

Every view here is behind one guard (`_moderators_only`), so no action can forget the check;
the services then ask the named permission for the item in hand.
"""
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import permissions
from ..auth.service import safe_next
from ..clock import utcnow
from ..extensions import db, login_manager
from ..models import REPORT_REASONS, Appeal, Post, Story, Thread
from ..pagination import parse_after
from ..contact import service as contact
from ..posting.refusals import pace_words
from . import actions, appeals, buttons, log as public_log, outing, pace, queue as reports
from . import registrations as joining, review, roles
from . import suspensions
from .words import full_stop
from .forms import ActionForm, PaceForm, RoleForm

bp = Blueprint("moderation", __name__, url_prefix="/mod")

# Readable by anyone: the log is how the community sees what moderators do.
PUBLIC_ENDPOINTS = {"moderation.log"}
# Changing who is a moderator is for admins only.
ADMIN_ENDPOINTS = {"moderation.users", "moderation.set_role"}


@bp.before_request
def _moderators_only():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        # A redirect to log in, or for a POST the page that keeps what was typed.
        return login_manager.unauthorized()
    allowed = (permissions.can_change_roles if request.endpoint in ADMIN_ENDPOINTS
               else permissions.can_moderate)
    if not allowed(current_user):
        abort(403)
    return None


@bp.app_context_processor
def _suspension_notice():
    # Every page tells a suspended person why and until when, not only the refused form.
    return {"suspension": suspensions.suspension_of(current_user, utcnow()),
            "report_reasons": REPORT_REASONS}


# How long a suspension lasts reads the same on every page that mentions one.
bp.add_app_template_global(suspensions.suspension_words)
bp.add_app_template_global(pace_words)
# The line under "Yes, I am sure" names the buttons it allows, in the reader's language.
bp.add_app_template_global(buttons.sure_help)
# A typed reason that ends a sentence gets one full stop, never two.
bp.add_app_template_filter(full_stop, "full_stop")


# --- pages ------------------------------------------------------------------------------

@bp.route("/")
def queue():
    """List reported posts and stories, most reported first, with their text and actions."""
    return render_template("moderation/queue.html", items=reports.report_queue(utcnow()),
                           contact_waiting=contact.waiting_count(), appeals=appeals.waiting(),
                           review_waiting=review.waiting_count(),
                           registrations_waiting=joining.waiting_count(),
                           queue_actions=buttons.queue_actions,
                           asks_for_length=buttons.asks_for_length)


@bp.route("/review")
def review_queue(form=None, refusal=None, status=200):
    """List new members' writings waiting for a moderator, oldest first, with their text."""
    return render_template("moderation/review.html", items=review.waiting(),
                           form=form or ActionForm(formdata=None), refusal=refusal), status


def _decide(item, decision, done: str):
    """Approve or refuse one waiting writing from the posted form, then back to the queue."""
    form = ActionForm()
    if not form.validate():
        return review_queue(form, status=400)
    try:
        decision(current_user, item, reason=form.reason.data or "", now=utcnow())
    except actions.NotAllowed:
        abort(403)
    except actions.ModerationError as error:
        return review_queue(form, refusal=error.message, status=error.status)
    flash(done)
    return redirect(url_for(".review_queue"))


def _waiting_story(story_id) -> Story:
    return db.first_or_404(select(Story).where(Story.public_id == story_id))


@bp.route("/review/posts/<public_id:post_id>/approve", methods=["POST"])
def approve_post(post_id):
    """Publish a new member's post in its place in the discussion."""
    return _decide(_post(post_id), review.approve, _("The post is approved and published."))


@bp.route("/review/posts/<public_id:post_id>/refuse", methods=["POST"])
def refuse_post(post_id):
    """Keep a new member's post from readers; its writer is told and keeps the text."""
    return _decide(_post(post_id), review.refuse,
                   _("The post was not approved; its writer is told."))


@bp.route("/review/stories/<public_id:story_id>/approve", methods=["POST"])
def approve_story(story_id):
    """Publish a new member's story."""
    return _decide(_waiting_story(story_id), review.approve,
                   _("The story is approved and published."))


@bp.route("/review/stories/<public_id:story_id>/refuse", methods=["POST"])
def refuse_story(story_id):
    """Send a new member's story back to their drafts, telling them why."""
    return _decide(_waiting_story(story_id), review.refuse,
                   _("The story was not approved; it is back in its writer's drafts."))


@bp.route("/log")
def log():
    """Show every moderator action, newest first, to anyone."""
    page = public_log.log_page(parse_after(request.args.get("after")),
                               current_app.config["ITEMS_PER_PAGE"], current_user)
    return render_template("moderation/log.html", page=page)


def _review(item, form=None, refusal=None, status=200, pace_form=None, pace_refusal=None):
    """The page where a moderator reads one post, story or thread in full and acts on it."""
    context = {"form": form or ActionForm(formdata=None), "refusal": refusal,
               "asks_for_length": buttons.asks_for_length}
    if isinstance(item, Thread) and item.is_story:
        item = item.story
    if not isinstance(item, Post):
        thread = item if isinstance(item, Thread) else item.thread
        context["pace_form"] = pace_form or PaceForm(
            formdata=None, interval=thread.slow_mode_seconds or 0,
            members_only=thread.members_only)
        context["pace_thread"], context["pace_refusal"] = thread, pace_refusal
    if isinstance(item, Thread):
        return render_template("moderation/thread.html", thread=item,
                               actions=buttons.thread_actions(item), **context), status
    open_reports = reports.open_reports(item)
    facts = suspensions.facts_about_authors([item], utcnow())[0]
    records = outing.reporter_records({r.reporter_id for r in open_reports
                                       if r.reason == outing.OUTING})
    held = item.is_hidden and any(r.reason == outing.OUTING for r in open_reports)
    context.update(reports=open_reports, facts=facts, records=records, held=held)
    if isinstance(item, Story):
        return render_template("moderation/story.html", story=item, **context,
                               actions=buttons.story_actions(item, facts, open_reports)), status
    return render_template("moderation/post.html", post=item, **context,
                           actions=buttons.post_actions(item, facts, open_reports)), status


def _review_url(item) -> str:
    if isinstance(item, Post):
        return url_for(".post", post_id=item.public_id)
    if isinstance(item, Thread):
        return (url_for(".story", slug=item.story.slug) if item.is_story
                else url_for(".thread", thread_id=item.public_id))
    return url_for(".story", slug=item.slug)


def _post(post_id) -> Post:
    return db.first_or_404(select(Post).where(Post.public_id == post_id))


def _story(slug) -> Story:
    return db.first_or_404(select(Story).where(Story.slug == slug))


def _thread(thread_id) -> Thread:
    return db.first_or_404(select(Thread).where(Thread.public_id == thread_id))


@bp.route("/posts/<public_id:post_id>")
def post(post_id):
    """Read one post in full, even hidden, with its reports and what can be done about it."""
    return _review(_post(post_id))


@bp.route("/stories/<slug>")
def story(slug):
    """Read one story's moderation state and reports, and act on it."""
    return _review(_story(slug))


@bp.route("/threads/<public_id:thread_id>")
def thread(thread_id):
    """Close, pin or remove a discussion thread."""
    return _review(_thread(thread_id))


@bp.route("/users")
def users():
    """Show who moderates the site, and a form to change someone's role."""
    form = RoleForm(formdata=None, handle=request.args.get("handle", ""))
    return render_template("moderation/users.html", form=form, staff=roles.staff())


# --- actions ----------------------------------------------------------------------------

def _act(item, action, done: str, *, with_days: bool = False):
    """Run one action on `item` from the posted form, then go back where the moderator was."""
    form = ActionForm()
    if not form.validate():
        return _review(item, form, status=400)
    options = {"days": form.suspension_days()} if with_days else {}
    try:
        action(current_user, item, reason=form.reason.data or "", now=utcnow(), **options)
    except actions.NotAllowed:
        abort(403)
    except actions.ModerationError as error:
        return _review(item, form, refusal=error.message, status=error.status)
    flash(done)
    return redirect(safe_next(form.next.data) or _review_url(item))


@bp.route("/posts/<public_id:post_id>/hide", methods=["POST"])
def hide_post(post_id):
    """Hide a post from readers; it keeps its place in the tree."""
    return _act(_post(post_id), actions.hide, _("The post is hidden."))


@bp.route("/posts/<public_id:post_id>/confirm", methods=["POST"])
def confirm_post(post_id):
    """Keep hidden a post that a report of outing hid at once, closing its reports."""
    return _act(_post(post_id), outing.confirm, _("The removal is confirmed."))


@bp.route("/posts/<public_id:post_id>/restore", methods=["POST"])
def restore_post(post_id):
    """Show a hidden post to readers again."""
    return _act(_post(post_id), outing.restore, _("The post is restored."))


@bp.route("/posts/<public_id:post_id>/lock", methods=["POST"])
def lock_post(post_id):
    """Close replies in the discussion a reported post is in."""
    return _act(_post(post_id), actions.lock, _("The discussion is closed."))


@bp.route("/posts/<public_id:post_id>/suspend", methods=["POST"])
def suspend_post_author(post_id):
    """Suspend whoever wrote a post, without learning who they are."""
    return _act(_post(post_id), suspensions.suspend_author, _("The author is suspended."),
                with_days=True)


@bp.route("/posts/<public_id:post_id>/unsuspend", methods=["POST"])
def unsuspend_post_author(post_id):
    """Lift the suspension of whoever wrote a post."""
    return _act(_post(post_id), suspensions.lift_suspension, _("The author may write again."))


@bp.route("/posts/<public_id:post_id>/dismiss", methods=["POST"])
def dismiss_post_reports(post_id):
    """Close the reports on a post without changing it."""
    return _act(_post(post_id), reports.dismiss_reports, _("The reports are dismissed."))


@bp.route("/stories/<slug>/hide", methods=["POST"])
def hide_story(slug):
    """Take a story and its comments off the site; moderators can still read it."""
    return _act(_story(slug), actions.hide, _("The story is hidden."))


@bp.route("/stories/<slug>/confirm", methods=["POST"])
def confirm_story(slug):
    """Keep hidden a story that a report of outing hid at once, closing its reports."""
    return _act(_story(slug), outing.confirm, _("The removal is confirmed."))


@bp.route("/stories/<slug>/restore", methods=["POST"])
def restore_story(slug):
    """Publish a hidden story again."""
    return _act(_story(slug), outing.restore, _("The story is restored."))


@bp.route("/stories/<slug>/lock", methods=["POST"])
def lock_story(slug):
    """Close the comments on a reported story."""
    return _act(_story(slug), actions.lock, _("Comments on the story are closed."))


@bp.route("/stories/<slug>/suspend", methods=["POST"])
def suspend_story_author(slug):
    """Suspend whoever wrote a story, without learning who they are."""
    return _act(_story(slug), suspensions.suspend_author, _("The author is suspended."),
                with_days=True)


@bp.route("/stories/<slug>/unsuspend", methods=["POST"])
def unsuspend_story_author(slug):
    """Lift the suspension of whoever wrote a story."""
    return _act(_story(slug), suspensions.lift_suspension, _("The author may write again."))


@bp.route("/stories/<slug>/dismiss", methods=["POST"])
def dismiss_story_reports(slug):
    """Close the reports on a story without changing it."""
    return _act(_story(slug), reports.dismiss_reports, _("The reports are dismissed."))


@bp.route("/threads/<public_id:thread_id>/lock", methods=["POST"])
def lock_thread(thread_id):
    """Close replies in a thread or a story's comments, with a reason shown in their place."""
    return _act(_thread(thread_id), actions.lock, _("The discussion is closed."))


@bp.route("/threads/<public_id:thread_id>/unlock", methods=["POST"])
def unlock_thread(thread_id):
    """Let people reply again in a closed discussion."""
    return _act(_thread(thread_id), actions.unlock, _("The discussion is open again."))


@bp.route("/threads/<public_id:thread_id>/pin", methods=["POST"])
def pin_thread(thread_id):
    """Keep a thread at the top of its board."""
    return _act(_thread(thread_id), actions.pin, _("The thread is pinned."))


@bp.route("/threads/<public_id:thread_id>/unpin", methods=["POST"])
def unpin_thread(thread_id):
    """Let a pinned thread fall back into place."""
    return _act(_thread(thread_id), actions.unpin, _("The thread is unpinned."))


@bp.route("/threads/<public_id:thread_id>/hide", methods=["POST"])
def hide_thread(thread_id):
    """Take a whole board thread off the site; moderators can still read it."""
    return _act(_thread(thread_id), actions.hide, _("The thread is hidden."))


@bp.route("/threads/<public_id:thread_id>/restore", methods=["POST"])
def restore_thread(thread_id):
    """Put a hidden board thread back on its board."""
    return _act(_thread(thread_id), actions.restore, _("The thread is restored."))


@bp.route("/threads/<public_id:thread_id>/pace", methods=["POST"])
def pace_thread(thread_id):
    """Set slow mode and members-only replies for a thread or a story's comments."""
    thread = _thread(thread_id)
    form = PaceForm()
    if not form.validate():
        return _review(thread, pace_form=form, status=400)
    try:
        pace.set_pace(current_user, thread, interval=form.interval.data,
                      members_only=form.members_only.data, reason=form.reason.data or "",
                      now=utcnow())
    except actions.NotAllowed:
        abort(403)
    except actions.ModerationError as error:
        return _review(thread, pace_form=form, pace_refusal=error.message, status=error.status)
    flash(_("The discussion's pace is set."))
    return redirect(_review_url(thread))


@bp.route("/appeals/<public_id:appeal_id>", methods=["GET", "POST"])
def appeal(appeal_id):
    """Read an appeal and decide it: lift the suspension or uphold it, with an answer."""
    filed = db.first_or_404(select(Appeal).where(Appeal.public_id == appeal_id))
    refusal, typed, status = None, "", 200
    if request.method == "POST":
        form = ActionForm()
        typed = form.reason.data or ""
        if form.validate():
            try:
                appeals.decide(current_user, filed, lift=request.form.get("decision") == "lift",
                               answer=typed, now=utcnow())
            except actions.NotAllowed:
                abort(403)
            except actions.ModerationError as error:
                refusal, status = error.message, error.status
            else:
                flash(_("The appeal is decided, and the member can read your answer."))
                return redirect(url_for(".queue"))
        else:
            refusal, status = _("Please give your answer."), 400
    # "Lift the suspension" only while there is one to lift.
    return render_template("moderation/appeal.html", appeal=filed, typed=typed, refusal=refusal,
                           in_force=filed.suspension.in_force(utcnow())), status


@bp.route("/users/role", methods=["POST"])
def set_role():
    """Make someone a member, moderator or admin (admins only)."""
    form = RoleForm()
    if form.validate():
        try:
            handle = roles.set_role(current_user, handle=form.handle.data, role=form.role.data,
                                      reason=form.reason.data or "", now=utcnow())
        except actions.ModerationError as error:
            form.handle.errors.append(error.message)
        else:
            flash(str(roles.NOW_A[form.role.data]) % {"name": handle.name})
            return redirect(url_for(".users"))
    return render_template("moderation/users.html", form=form, staff=roles.staff()), 400
