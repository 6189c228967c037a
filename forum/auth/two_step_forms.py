"""Forms for recovery codes and two-step login."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from .forms import new_password_rules
from .passwords import PASSWORD_MAX, PASSWORD_MIN

CODE_HELP = "The six digits your authenticator app shows now."


class RecoverForm(FlaskForm):
    login_name = StringField("Login name", validators=[DataRequired(), Length(max=64)])
    code = StringField(
        "Recovery code",
        description="One of the ten codes you wrote down, like abcd-efgh-jkmn-pqrs. Each works once.",
        validators=[DataRequired(message="Please type one of your recovery codes."),
                    Length(max=64)],
    )
    password = PasswordField(
        "New password",
        description=f"At least {PASSWORD_MIN} characters, and not one of the common passwords people guess first.",
        validators=[DataRequired(), new_password_rules],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class FirstCodesForm(FlaskForm):
    """A button only: the codes are made by a POST, so no GET ever shows them."""


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        description="The six digits your authenticator app shows now, or one of your recovery codes.",
        validators=[DataRequired(message="Please type the code."), Length(max=64)],
    )


class CurrentPasswordForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class ConfirmSetupForm(FlaskForm):
    code = StringField(
        "Code from the app", description=CODE_HELP,
        validators=[DataRequired(message="Please type the code."),
                    Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="The code is six digits.")],
    )


class SwitchOffForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    code = StringField(
        "Code", description="The six digits your app shows now, or one of your recovery codes.",
        validators=[DataRequired(message="Please type the code."), Length(max=64)],
    )
