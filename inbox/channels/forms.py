import uuid

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class ContactForm(FlaskForm):
    # One id per rendered form: a double click or a resent form is stored once.
    submission_id = HiddenField(default=lambda: f"form-{uuid.uuid4()}")
    name = StringField("Ihr Name", validators=[Optional(), Length(max=255)])
    email = EmailField("Ihre E-Mail-Adresse", validators=[DataRequired(), Email(), Length(max=254)])
    subject = StringField("Betreff", validators=[Optional(), Length(max=255)])
    text = TextAreaField("Ihre Nachricht", validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField("Nachricht senden")
