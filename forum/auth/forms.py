"""Registration and log-in forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

PASSWORD_MIN = 10
PASSWORD_MAX = 128


class RegisterForm(FlaskForm):
    login_name = StringField(
        "Login name",
        description="Private: you use it to log in. Nobody else ever sees it.",
        validators=[DataRequired(), Length(3, 64),
                    Regexp(r"^[A-Za-z0-9_.\-]+$", message="Use letters, digits, dots, dashes or underscores.")],
    )
    handle = StringField(
        "Public handle",
        description="The name others see on your profile and your posts. Not your real name, unless you want it to be.",
        validators=[DataRequired(), Length(3, 32)],
    )
    password = PasswordField(
        "Password", description=f"At least {PASSWORD_MIN} characters.",
        validators=[DataRequired(), Length(PASSWORD_MIN, PASSWORD_MAX)],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    email = EmailField(
        "Email (optional)", description="Never shown. Only used if you ask for it.",
        validators=[Optional(), Length(max=254)],
    )


class LoginForm(FlaskForm):
    login_name = StringField("Login name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me logged in on this device")
