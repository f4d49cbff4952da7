from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField("E-Mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Passwort", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Anmelden")
