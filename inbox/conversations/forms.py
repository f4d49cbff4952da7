from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ReplyForm(FlaskForm):
    text = TextAreaField("Antwort", validators=[DataRequired(message="Die Antwort ist leer."), Length(max=10000)])
    submit = SubmitField("Antwort senden")


class NoteForm(FlaskForm):
    text = TextAreaField("Interne Notiz", validators=[DataRequired(message="Die Notiz ist leer."), Length(max=10000)])
    submit = SubmitField("Notiz speichern")


class AssignForm(FlaskForm):
    assignee = SelectField("Zuweisen an", coerce=int)
    submit = SubmitField("Zuweisen")


class MoveForm(FlaskForm):
    team = SelectField("An Team übergeben", coerce=int)
    submit = SubmitField("Übergeben")


class ActionForm(FlaskForm):
    """Buttons without fields (resolve, reopen, assign to me): CSRF only."""

    submit = SubmitField("OK")
