"""Registration and log-in forms."""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from ..forms import FlaskForm
from ..gates import BotGates
from .emails import EmailError, clean_email
from .passwords import PASSWORD_MAX, PASSWORD_MIN, password_problem


def new_password_rules(form, field):
    """The site's one password rule, for a new account and for a changed password alike."""
    names = [form[name].data for name in ("login_name", "handle") if name in form]
    if current_user.is_authenticated:
        names.append(current_user.login_name)
    problem = password_problem(field.data or "", *names)
    if problem:
        raise ValidationError(problem)


def email_rules(form, field):
    """The site's one rule for an email address, at registration and in settings alike."""
    try:
        clean_email(field.data)
    except EmailError as error:
        raise ValidationError(str(error)) from error


class RegisterForm(BotGates, FlaskForm):
    """The registration form. `reason` is shown when registration is by approval,
    `invitation` when it is by invitation (the template asks which mode applies)."""

    login_name = StringField(
        _l("Login name"),
        description=_l("Private: you use it to log in. Nobody else ever sees it."),
        validators=[DataRequired(), Length(3, 64),
                    Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("Use letters, digits, dots, dashes or underscores."))],
    )
    handle = StringField(
        _l("Public handle"),
        description=_l("The name others see on your profile and your posts. Not your real "
                       "name, unless you want it to be."),
        validators=[DataRequired(), Length(3, 32)],
    )
    password = PasswordField(
        _l("Password"), description=_l("At least %(num)d characters, and not one of the common "
                                       "passwords people guess first.", num=PASSWORD_MIN),
        validators=[DataRequired(), new_password_rules],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    email = EmailField(
        _l("Email (optional)"),
        description=_l("Never shown. We send it one link to confirm it; until you open that "
                       "link, nothing else is sent there. Once confirmed, it can get a link to "
                       "choose a new password if you forget yours, a daily count of new "
                       "replies if you ask for it, and a short notice if your password or this "
                       "address is changed."),
        validators=[email_rules],
    )
    reason = TextAreaField(
        _l("Why are you here?"),
        description=_l("A few words for the moderators, who approve new accounts before they "
                       "can write. Only moderators read it, and it is deleted once they "
                       "decide. No need for details that could identify you."),
        validators=[Optional(), Length(max=1000)],
    )
    invitation = StringField(
        _l("Invitation code"),
        # Translators: the example code abcd-efgh-jkmn stays as it is.
        description=_l("The code someone on this site gave you, like abcd-efgh-jkmn. Each "
                       "code lets one person join."),
        validators=[Optional(), Length(max=64)],
    )


class LoginForm(FlaskForm):
    login_name = StringField(_l("Login name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ResetRequestForm(FlaskForm):
    identifier = StringField(
        _l("Login name or email address"),
        description=_l("The email address must be one you confirmed on this site."),
        validators=[DataRequired(message=_l("Please enter your login name or your email "
                                            "address.")),
                    Length(max=254)],
    )


class NewPasswordForm(FlaskForm):
    """Choosing a new password from a reset link: the account's names are checked in the service."""

    new_password = PasswordField(
        _l("New password"), description=_l("At least %(num)d characters, and not one of the "
                                           "common passwords people guess first.",
                                           num=PASSWORD_MIN),
        validators=[DataRequired(message=_l("Please choose a new password.")),
                    Length(max=PASSWORD_MAX)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(message=_l("Please repeat the new password.")),
                    EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class ConfirmEmailForm(FlaskForm):
    """No fields: the button and the CSRF token are the whole form."""
