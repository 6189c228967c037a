"""Choosing the site's language: the switcher at the foot of every page (a link for a
visitor, a small form for a member), and the Language page of a member's Settings."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from ..auth.service import safe_next
from ..forms import FlaskForm
from ..i18n import COOKIE, COOKIE_MAX_AGE, DEFAULT, LANGUAGES
from . import language_setting
from .routes import bp

# The value of "Follow my browser" in the form: no setting at all.
FOLLOW_BROWSER = ""


class LanguageForm(FlaskForm):
    # Each language is named in itself, never translated: someone looking for their own
    # language finds it whatever the page speaks.
    language = RadioField(
        _l("Language"),
        choices=[SelectChoice(FOLLOW_BROWSER, _l("Follow my browser")),
                 *(SelectChoice(code, name) for code, name in LANGUAGES.items())],
        default=FOLLOW_BROWSER,
    )


def _back(target: str | None) -> str:
    """Where the switcher was used: a path on this site, never another site's address."""
    return safe_next(target) or url_for("pages.home")


def _remember(response, code: str):
    """Keep the choice in this browser for a year, as the `lang` cookie the language
    selector reads (forum/i18n.py)."""
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, path="/", httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    # The answer is this browser's own (it sets a cookie): no shared cache may keep it and
    # hand the cookie to the next visitor.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/language/<code>")
def choose_language(code):
    """Show the site in this language from now on in this browser, and go back to the page.

    A plain link, so visitors' pages carry no form, token or session: they stay the same for
    everyone and can be cached. Nothing is stored but the cookie."""
    if code not in LANGUAGES:
        abort(404)
    return _remember(redirect(_back(request.args.get("next"))), code)


@bp.route("/language/<code>", methods=["POST"])
@login_required
def save_language(code):
    """Show the site in this language from now on, on this browser and as the member's own
    setting wherever they log in, and go back to the page."""
    if code not in LANGUAGES:
        abort(404)
    language_setting.save(current_user, code)
    return _remember(redirect(_back(request.form.get("next"))), code)


@bp.route("/settings/language", methods=["GET", "POST"])
@login_required
def language():
    """Choose the language the site speaks to me, or let my browser decide."""
    form = LanguageForm(language=current_user.language or FOLLOW_BROWSER)
    if not form.validate_on_submit():
        return (render_template("profiles/language.html", form=form),
                400 if form.errors else 200)
    code = form.language.data or None
    language_setting.save(current_user, code)
    response = redirect(url_for("profiles.language"))
    if code is None:
        # A cookie left by the switcher would otherwise go on deciding, not the browser.
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax",
                               secure=current_app.config["SESSION_COOKIE_SECURE"])
    # Said in the language the next page speaks, not the one this form was sent from.
    now_speaking = code or request.accept_languages.best_match(LANGUAGES, default=DEFAULT)
    with force_locale(now_speaking):
        flash(_("Saved. The site speaks %(language)s to you from now on.",
                language=LANGUAGES[code]) if code else
              _("Saved. The site follows your browser's language from now on."))
    return response
