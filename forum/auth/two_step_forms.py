"""Forms for recovery codes and two-step login."""
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..forms import FlaskForm
from .forms import new_password_rules
from .passwords import PASSWORD_MAX, PASSWORD_MIN

CODE_HELP = _l("The six digits your authenticator app shows now.")


class RecoverForm(FlaskForm):
    login_name = StringField(_l("Login name"), validators=[DataRequired(), Length(max=64)])
    code = StringField(
        _l("Recovery code"),
        # Translators: the example code abcd-efgh-jkmn-pqrs stays as it is.
        description=_l("One of the ten codes you wrote down, like abcd-efgh-jkmn-pqrs. Each "
                       "works once."),
        validators=[DataRequired(message=_l("Please type one of your recovery codes.")),
                    Length(max=64)],
    )
    password = PasswordField(
        _l("New password"),
        description=_l("At least %(num)d characters, and not one of the common passwords "
                       "people guess first.", num=PASSWORD_MIN),
        validators=[DataRequired(), new_password_rules],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class FirstCodesForm(FlaskForm):
    """A button only: the codes are made by a POST, so no GET ever shows them."""


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("The six digits your authenticator app shows now, or one of your "
                       "recovery codes."),
        validators=[DataRequired(message=_l("Please type the code.")), Length(max=64)],
    )


class CurrentPasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ConfirmSetupForm(FlaskForm):
    code = StringField(
        _l("Code from the app"), description=CODE_HELP,
        validators=[DataRequired(message=_l("Please type the code.")),
                    Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("The code is six digits."))],
    )


class SwitchOffForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    code = StringField(
        _l("Code"),
        description=_l("The six digits your app shows now, or one of your recovery codes."),
        validators=[DataRequired(message=_l("Please type the code.")), Length(max=64)],
    )
