from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField("E-Mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Passwort", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Anmelden")


class CodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=32)])
    submit = SubmitField("Bestätigen")


class PasswordConfirmForm(FlaskForm):
    password = PasswordField("Ihr Passwort", validators=[DataRequired(), Length(max=200)])


class RequireTwoFactorForm(FlaskForm):
    required = BooleanField("Zwei-Faktor-Anmeldung für Admins und Teamleitungen verlangen")


ROLE_LABELS = {"editor": "Redaktion", "lead": "Teamleitung", "press_officer": "Pressestelle", "admin": "Admin"}


class RoleForm(FlaskForm):
    role = SelectField("Rolle", choices=list(ROLE_LABELS.items()))
    team = SelectField("Team", coerce=int, validators=[Optional()])
    department = SelectField("Fachamt", coerce=int, validators=[Optional()])


class InviteForm(RoleForm):
    email = EmailField("E-Mail", validators=[DataRequired(), Email(message="Die E-Mail-Adresse ist ungültig."),
                                             Length(max=254)])
    name = StringField("Name", validators=[DataRequired(message="Der Name fehlt."), Length(max=200)])


class SetPasswordForm(FlaskForm):
    password = PasswordField("Neues Passwort", validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField("Noch einmal", validators=[DataRequired(), EqualTo("password", message=(
        "Die beiden Passwörter stimmen nicht überein."))])
