"""Forms of the channel administration, built from what each adapter declares it needs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from inbox.orgs.operations import SLUG

CREDENTIAL_PREFIX = "credential_"
SETTING_PREFIX = "setting_"
STORED = "gespeichert"
# Settings every channel has, after the adapter's own: (key, label, choices). The language is the one
# automatic answers are written in, and routing prefers editors with it as a skill when it is set.
COMMON_SETTINGS = [("language", "Sprache des Kanals (automatische Antworten)",
                    [("", "Deutsch (Standard)"), ("en", "Englisch")])]


class ChannelForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Bitte einen Namen angeben."), Length(max=200)])
    team = SelectField("Team", coerce=int)
    submit = SubmitField("Speichern")

    def credential_values(self) -> dict[str, str]:
        return {name.removeprefix(CREDENTIAL_PREFIX): (field.data or "").strip()
                for name, field in self._fields.items() if name.startswith(CREDENTIAL_PREFIX)}

    def setting_values(self) -> dict[str, str]:
        return {name.removeprefix(SETTING_PREFIX): (field.data or "").strip()
                for name, field in self._fields.items() if name.startswith(SETTING_PREFIX)}

    def credential_fields(self):
        return [f for name, f in self._fields.items() if name.startswith(CREDENTIAL_PREFIX)]

    def setting_fields(self):
        return [f for name, f in self._fields.items() if name.startswith(SETTING_PREFIX)]


class NewChannelForm(ChannelForm):
    slug = StringField("Kennung in der Webhook-Adresse", description="Leer lassen, dann wird sie erzeugt.",
                       validators=[Optional(), Regexp(SLUG.pattern, message="Nur Kleinbuchstaben, Ziffern und '-'.")])
    submit = SubmitField("Kanal anlegen")


class ReprocessForm(FlaskForm):
    """A button that sends raw events through parsing again; status names which ones (all of a channel)."""

    status = HiddenField(default="failed")
    submit = SubmitField("Erneut verarbeiten")


class ButtonForm(FlaskForm):
    """Buttons without fields (enable, disable, test): CSRF only."""

    submit = SubmitField("OK")


def _port(form, field) -> None:
    value = (field.data or "").strip()
    if value and not (value.isdigit() and 0 < int(value) < 65536):
        raise ValidationError("Bitte eine Portnummer zwischen 1 und 65535 angeben.")


def build_form(adapter, teams, *, stored_credentials=(), settings: dict | None = None, name: str = "",
               team_id: int | None = None) -> ChannelForm:
    """The add form (no stored credentials given) or the edit form of a channel with adapter."""
    editing = settings is not None
    generated = set(getattr(adapter, "generated_credentials", ()))
    fields = {}
    for key, label in getattr(adapter, "credential_fields", []):
        fields[CREDENTIAL_PREFIX + key] = _credential_field(label, key in stored_credentials,
                                                            key in generated and not editing)
    for key, label, *choices in [*getattr(adapter, "setting_fields", []), *COMMON_SETTINGS]:
        if choices:
            fields[SETTING_PREFIX + key] = _choice_field(label, choices[0], (settings or {}).get(key))
            continue
        checks = [Optional(), Length(max=500)] + ([_port] if key.endswith("_port") else [])
        fields[SETTING_PREFIX + key] = StringField(label, validators=checks)
    form_cls = type("AdapterChannelForm", (ChannelForm if editing else NewChannelForm,), fields)
    data = {"name": name, "team": team_id}
    data.update({SETTING_PREFIX + key: str(value) for key, value in (settings or {}).items()})
    form = form_cls(data=data)
    form.team.choices = [(t.id, t.name) for t in teams]
    return form


def _choice_field(label: str, choices: list[tuple[str, str]], stored) -> SelectField:
    """A setting with fixed values; the first is the default. A value stored otherwise (CLI) stays selectable."""
    options = list(choices)
    if stored and str(stored) not in {value for value, _ in options}:
        options.append((str(stored), str(stored)))
    return SelectField(label, choices=options, default=options[0][0])


def _credential_field(label: str, stored: bool, generated: bool) -> PasswordField:
    # PasswordField never writes a value into the page; stored secrets only get a placeholder.
    render = {"autocomplete": "new-password"}
    description = ""
    if stored:
        render["placeholder"] = STORED
        description = "Gespeichert. Leer lassen, um den gespeicherten Wert zu behalten; ein neuer Wert ersetzt ihn."
    elif generated:
        description = "Leer lassen, dann wird er erzeugt und einmal angezeigt."
    return PasswordField(label, description=description, render_kw=render,
                         validators=[Optional(), Length(max=4000)])

