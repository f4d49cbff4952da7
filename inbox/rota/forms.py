"""Forms of the rota pages; the grid's many cells are read from the request and checked in the view."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, IntegerField, SelectField, StringField
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
