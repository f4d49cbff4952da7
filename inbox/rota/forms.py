"""Forms of the rota pages; the grid's many cells are read from the request and checked in the view."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from inbox.rota.models import ABSENCE_KINDS, OVERRIDE_KINDS


class CsrfForm(FlaskForm):
    """Only the CSRF token: for buttons and the grid."""


class AbsenceForm(FlaskForm):
    user = SelectField("Person", coerce=int)
    kind = SelectField("Art", choices=list(ABSENCE_KINDS.items()))
    first = DateField("Von", validators=[DataRequired("Bitte ein Datum angeben.")])
    last = DateField("Bis", validators=[DataRequired("Bitte ein Datum angeben.")])


class WishForm(FlaskForm):
    day = DateField("Tag", validators=[DataRequired("Bitte ein Datum angeben.")])
    template = SelectField("Wunsch")
    weight = IntegerField("Gewicht (1–10)", default=1, validators=[NumberRange(1, 10)])
    avoid = BooleanField("diesen Dienst bitte nicht")


class OverrideForm(FlaskForm):
    kind = SelectField("Art", choices=list(OVERRIDE_KINDS.items()))
    first = DateField("Von", validators=[DataRequired("Bitte ein Datum angeben.")])
    last = DateField("Bis", validators=[DataRequired("Bitte ein Datum angeben.")])
    slots = StringField("Zeiten (nur bei „Andere Zeiten“)", validators=[Optional()])
    reason = StringField("Anlass", validators=[Optional()])


class ProfileForm(FlaskForm):
    contract_hours_week = FloatField("Wochenstunden", validators=[NumberRange(0, 60)])
    skills = StringField("Fähigkeiten (z. B. de, en, tr)", validators=[Optional()])
    channel_kinds = StringField("Nur diese Kanalarten (leer = alle)", validators=[Optional()])
    capacity = IntegerField("Höchstlast (offene Unterhaltungen)", validators=[Optional(), NumberRange(1, 500)])
    max_late = IntegerField("Höchstens Spätdienste im Monat", validators=[Optional(), NumberRange(0, 31)])
    max_weekends = IntegerField("Höchstens Wochenenden im Monat", validators=[Optional(), NumberRange(0, 5)])
    min_hours = FloatField("Mindestens Stunden im Monat", validators=[Optional(), NumberRange(0, 300)])
    max_hours = FloatField("Höchstens Stunden im Monat", validators=[Optional(), NumberRange(0, 300)])


class DatedHeadcountForm(FlaskForm):
    day = DateField("Tag", validators=[DataRequired("Bitte ein Datum angeben.")])
    template = SelectField("Dienst")
    extra = IntegerField("Zusätzliche Personen (0 entfernt)", default=1, validators=[NumberRange(0, 50)])


class RotaRulesForm(FlaskForm):
    sequences = TextAreaField("Ausgeschlossene Abfolgen (eine je Zeile, z. B. „S F“; - = frei, * = irgendein Dienst)",
                              validators=[Optional()])
    long_shift_basis = StringField("Rechtsgrundlage für Dienste über 10 Stunden (§ 7 ArbZG, z. B. Tarifvertrag)",
                                   validators=[Optional()])
    long_shift_max_hours = FloatField("Dann höchstens Stunden am Tag", validators=[Optional(), NumberRange(10, 24)])
