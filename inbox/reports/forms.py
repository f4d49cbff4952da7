"""Forms of the reports pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from inbox.reports.operations import MOOD_LABELS


class MoodForm(FlaskForm):
    mood = SelectField("Stimmung", choices=list(MOOD_LABELS.items()))


class SettingsForm(FlaskForm):
    per_editor = BooleanField("Auswertung je Person zeigen (nur für Teamleitungen)")


class WeeklyMailForm(FlaskForm):
    wanted = BooleanField("Wochenbericht jeden Montag per E-Mail an mich")
