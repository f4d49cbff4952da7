"""KERN UX classes on every WTForms field, so templates render `{{ form.field() }}` in the design system.

One place for it: FlaskForm's Meta renders every field of every form, whatever the template.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms.meta import DefaultMeta

# Widget input types that KERN styles as a text input.
_TEXT_INPUTS = {"text", "email", "password", "date", "datetime-local", "time", "number", "search", "tel", "url",
                "file"}


def _classes_for(field) -> str:
    if field.type in ("SelectField", "SelectMultipleField", "QuerySelectField"):
        return "kern-form-input__select"
    if field.type in ("BooleanField",):
        return "kern-form-check__checkbox"
    if field.type in ("RadioField",):
        return ""
    input_type = getattr(field.widget, "input_type", None)
    if field.type == "TextAreaField" or input_type in _TEXT_INPUTS:
        return "kern-form-input__input"
    return ""


def render_field(meta, field, render_kw):
    """DefaultMeta.render_field plus the KERN class of the field's kind; a select gets KERN's wrapper."""
    classes = _classes_for(field)
    if classes:
        if field.errors:
            classes += f" {classes.split()[0]}--error"
        given = render_kw.get("class_") or render_kw.get("class") or ""
        render_kw = {k: v for k, v in render_kw.items() if k not in ("class", "class_")}
        render_kw["class"] = f"{classes} {given}".strip()
        if field.errors:
            render_kw.setdefault("aria-invalid", "true")
    html = DefaultMeta.render_field(meta, field, render_kw)
    if classes.startswith("kern-form-input__select"):
        return Markup('<div class="kern-form-input__select-wrapper">{}</div>').format(html)
    return html


def init_app(app) -> None:
    FlaskForm.Meta.render_field = render_field
