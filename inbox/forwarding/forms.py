from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ForwardForm(FlaskForm):
    department = SelectField("Fachamt", coerce=int, validators=[DataRequired(message="Bitte ein Fachamt wählen.")])
    question = TextAreaField("Frage an das Fachamt", validators=[
        DataRequired(message="Die Frage ist leer."), Length(max=10000)])
    include_messages = BooleanField("Wortlaut der Nachrichten der Person mitsenden")
    include_contact = BooleanField("Name, Handle und Kontaktdaten der Person mitsenden")
    due = DateTimeLocalField("Fällig am", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    files = MultipleFileField("Anhänge")
    submit = SubmitField("An Fachamt weiterleiten")


class TextForm(FlaskForm):
    text = TextAreaField("Text", validators=[DataRequired(message="Der Text ist leer."), Length(max=10000)])
    submit = SubmitField("Senden")


class HandOverForm(FlaskForm):
    officer = SelectField("An Kollegin oder Kollegen übergeben", coerce=int)
    submit = SubmitField("Übergeben")


class DeclineForm(FlaskForm):
    reason = TextAreaField("Begründung", validators=[DataRequired(message="Bitte eine Begründung angeben."),
                                                      Length(max=5000)])
    suggested = SelectField("Zuständig ist eher", coerce=int)
    submit = SubmitField("Ablehnen")
