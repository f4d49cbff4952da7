from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional


class DepartmentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Der Name fehlt."), Length(max=200)])
    short_name = StringField("Kürzel", validators=[DataRequired(message="Das Kürzel fehlt."), Length(max=32)])
    press_email = EmailField("E-Mail der Pressestelle", validators=[
        Optional(), Email(message="Die E-Mail-Adresse ist ungültig."), Length(max=254)])
    deputy = SelectField("Vertretung", coerce=int, validators=[Optional()])
    submit = SubmitField("Speichern")


class MemberForm(FlaskForm):
    email = EmailField("E-Mail", validators=[DataRequired(), Email(message="Die E-Mail-Adresse ist ungültig."),
                                             Length(max=254)])
    submit = SubmitField("Hinzufügen")
