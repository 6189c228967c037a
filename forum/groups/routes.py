"""The moderators' page for groups: proposals to accept, merge or refuse, and the accepted
groups to rename, give other names, or merge."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..clock import utcnow
from ..extensions import db, login_manager
from ..models import Group
from ..moderation.actions import ModerationError
from . import service

bp = Blueprint("groups", __name__, url_prefix="/mod/groups")


@bp.before_request
def _moderators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can_moderate(current_user):
        abort(403)
    return None


def _page(refusal: str | None = None, kept: dict | None = None, status: int = 200):
    groups = service.accepted()
    return render_template("groups/curate.html", proposals=service.proposed(),
                           groups=groups, other_names=service.other_names_of(groups),
                           refusal=refusal, kept=kept or {}), status


def _group(slug: str, *states: str) -> Group:
    group = db.session.scalar(db.select(Group).where(Group.slug == slug))
    if group is None or group.state not in states:
        abort(404)
    return group


@bp.route("/")
def curate():
    """Proposals waiting for a decision, then every accepted group."""
    return _page()


def _decide(slug: str, field: str, act, done: str):
    """Run one decision; a refusal comes back on the page with what was typed."""
    typed = request.form.get(field, "")
    try:
        act(typed)
    except ModerationError as error:
        db.session.rollback()
        return _page(error.message, {(slug, field): typed}, error.status)
    flash(done)
    return redirect(url_for("groups.curate"))


@bp.route("/<slug>/accept", methods=["POST"])
def accept(slug):
    group = _group(slug, service.PROPOSED)
    return _decide(slug, "name", lambda name: service.accept(
        current_user, group, name, utcnow()), _("The group is accepted: it is listed now."))


@bp.route("/<slug>/refuse", methods=["POST"])
def refuse(slug):
    group = _group(slug, service.PROPOSED)
    return _decide(slug, "reason", lambda reason: service.refuse(
        current_user, group, reason, utcnow()),
        _("The proposal is refused; the stories that named it no longer do."))


@bp.route("/<slug>/rename", methods=["POST"])
def rename(slug):
    group = _group(slug, service.ACCEPTED)
    return _decide(slug, "name", lambda name: service.rename(
        current_user, group, name, utcnow()), _("Renamed; the old name still finds the group."))


@bp.route("/<slug>/names", methods=["POST"])
def add_name(slug):
    group = _group(slug, service.ACCEPTED)
    return _decide(slug, "other_name", lambda name: service.add_name(
        current_user, group, name, utcnow()), _("The group answers to that name too now."))


@bp.route("/<slug>/merge", methods=["POST"])
def merge(slug):
    group = _group(slug, service.ACCEPTED, service.PROPOSED)

    def act(target_slug):
        target = db.session.scalar(db.select(Group).where(Group.slug == target_slug))
        if target is None:
            raise ModerationError(_("Choose the group to merge into."))
        service.merge(current_user, group, target, utcnow())
    return _decide(slug, "into", act, _("Merged: its stories and names are with the other group."))
