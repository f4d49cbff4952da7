import uuid

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

TOO_LONG = "Bitte höchstens %(max)d Zeichen."


class ContactForm(FlaskForm):
    # One id per rendered form: a double click or a resent form is stored once.
    submission_id = HiddenField(default=lambda: f"form-{uuid.uuid4()}")
    name = StringField("Ihr Name", validators=[Optional(), Length(max=255, message=TOO_LONG)])
    email = EmailField("Ihre E-Mail-Adresse", validators=[
        DataRequired(message="Bitte geben Sie Ihre E-Mail-Adresse an, damit wir antworten können."),
        Email(message="Das ist keine gültige E-Mail-Adresse."), Length(max=254, message=TOO_LONG)])
    subject = StringField("Betreff", validators=[Optional(), Length(max=255, message=TOO_LONG)])
    text = TextAreaField("Ihre Nachricht", validators=[DataRequired(message="Bitte schreiben Sie Ihre Nachricht."),
                                                       Length(max=20000, message=TOO_LONG)])
    submit = SubmitField("Nachricht senden")
