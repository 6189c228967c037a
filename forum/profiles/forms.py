"""Settings forms: public profile, email address, password, other sessions."""
from flask_babel import format_number, lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ..auth.forms import PASSWORD_MAX, PASSWORD_MIN, email_rules, new_password_rules
from ..forms import FlaskForm
from .account_settings import BIO_MAX

# The bio's limit written the reader's way ("2,000", "2.000"), when the page is drawn: the
# labels below are made once, at import, for every language.
_BIO_MAX_WORDS = LazyString(format_number, BIO_MAX)

# Field names never clash between the forms, because they all share one page and one
# request.form. Password fields contain "password" or are called "confirm" so that
# errors.pending_fields() never hands them back on a resubmit page.


class ProfileForm(FlaskForm):
    handle = StringField(
        _l("Public handle"),
        description=_l("Shown on your profile and on everything you post without anonymity. "
                       "Your old handle stops working as an address at once."),
        validators=[DataRequired(message=_l("Please choose a handle.")), Length(3, 32)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    bio = TextAreaField(
        _l("About you (optional)"),
        description=_l("Plain text, up to %(max)s characters. Shown on your profile.",
                       max=_BIO_MAX_WORDS),
        validators=[Length(max=BIO_MAX)],
        render_kw={"rows": 6},
    )
    anonymous_by_default = BooleanField(
        _l("Post anonymously by default"),
        description=_l("New stories and replies start with “Post anonymously” ticked. "
                       "You can still choose each time."),
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password.")),
                    Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least %(num)d characters, and not one of the common passwords "
                       "people guess first.", num=PASSWORD_MIN),
        validators=[DataRequired(message=_l("Please choose a new password.")), new_password_rules],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(message=_l("Please repeat the new password.")),
                    EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class EmailForm(FlaskForm):
    email = EmailField(
        _l("Email address (optional, never shown)"),
        description=_l("Leave it empty to remove your address."),
        # A shape check only, shared with registration: no lookup of the domain.
        validators=[email_rules],
        render_kw={"autocomplete": "email"},
    )
    email_password = PasswordField(
        _l("Your password"),
        description=_l("Needed to add, change or remove the address. The address being "
                       "replaced gets a short notice that it changed, saying nothing else."),
        validators=[Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class SessionsForm(FlaskForm):
    """No fields: the button and the CSRF token are the whole form."""


class ExportForm(FlaskForm):
    """No fields: a POST with a CSRF token, so no link or image can fetch someone's data."""


class DeleteAccountForm(FlaskForm):
    writing = RadioField(
        _l("What happens to what you wrote"),
        choices=[
            SelectChoice("keep", _l("Keep my posts and stories in place as “[deleted]”, with "
                                    "their text removed, so replies to them still make "
                                    "sense.")),
            SelectChoice("remove", _l("Remove my posts and stories. Where someone replied, a "
                                      "“[deleted]” placeholder stays so their words keep "
                                      "their place.")),
        ],
        validators=[InputRequired(message=_l("Please choose what happens to what you wrote."))],
    )
    current_password = PasswordField(
        _l("Your password"),
        description=_l("To be sure it is you. Deleting your account cannot be undone."),
        validators=[DataRequired(message=_l("Please enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
