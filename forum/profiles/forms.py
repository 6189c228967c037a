"""Settings forms: public profile, password, other sessions."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length

from ..auth.forms import PASSWORD_MAX, PASSWORD_MIN
from .service import BIO_MAX

# Field names never clash between the three forms, because all three share one page and one
# request.form. Password fields contain "password" or are called "confirm" so that
# errors.pending_fields() never hands them back on a resubmit page.


class ProfileForm(FlaskForm):
    handle = StringField(
        "Public handle",
        description="Shown on your profile and on everything you post without anonymity. "
                    "Your old handle stops working as an address at once.",
        validators=[DataRequired(message="Please choose a handle."), Length(3, 32)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    bio = TextAreaField(
        "About you (optional)",
        description=f"Plain text, up to {BIO_MAX:,} characters. Shown on your profile.",
        validators=[Length(max=BIO_MAX)],
        render_kw={"rows": 6},
    )
    anonymous_by_default = BooleanField(
        "Post anonymously by default",
        description="New stories and replies start with “Post anonymously” ticked. "
                    "You can still choose each time.",
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(message="Please enter your current password."),
                    Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password", description=f"At least {PASSWORD_MIN} characters.",
        validators=[DataRequired(message="Please choose a new password."),
                    Length(PASSWORD_MIN, PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(message="Please repeat the new password."),
                    EqualTo("new_password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class SessionsForm(FlaskForm):
    """No fields: the button and the CSRF token are the whole form."""
