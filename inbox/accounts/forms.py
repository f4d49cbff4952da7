from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length


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
