"""Unit and person pickers in forms: a field whose UI schema says `"ui:options": {"directory": {...}}` gets its
choices from the directory when the form is shown or checked, never from a list frozen in the form file:
`{"types": [...]}` offers units of those types, `{"group": "supervisors"}` the active users of that group,
`{"people": true, "types": [...]}` a person (a user of a unit of those types), stored as the user name; with
`"roles": ["head"]` only the heads of those units and the members of leadership units (Directory.people)."""
from __future__ import annotations

import copy

from ..forms import Form


def directory_fields(form: Form) -> dict[str, dict]:
    """{field: directory options} of a form, e.g. {"lead_unit": {"types": ["department", "township"]}}."""
    found = {}
    for name in form.properties:
        options = ((form.ui.get(name) or {}).get("ui:options") or {}).get("directory")
        if isinstance(options, dict):
            found[name] = options
    return found


def with_directory(form: Form, directory) -> Form:
    """The form with each directory field's choices filled in: units of the allowed types that have an
    active member. A form without directory fields is returned as it is. The form made is shared (with its
    validator) until the directory changes: read it, never change it."""
    fields = directory_fields(form)
    if not fields:
        return form
    snapshot = directory.snapshot()          # the lists kept until the directory changes, and what is made of them
    return snapshot.made_from(form, lambda: _filled(form, fields, type(directory)(snapshot)))


def _filled(form: Form, fields: dict[str, dict], directory) -> Form:
    schema = copy.deepcopy(form.schema)
    for name, options in fields.items():
        choices = _choices(directory, options)
        prop = schema["properties"][name]
        target = prop.setdefault("items", {"type": "string"}) if prop.get("type") == "array" else prop
        target.pop("enum", None)
        if choices:
            target["oneOf"] = choices
        else:
            target.pop("oneOf", None)
            target["enum"] = []
    return Form(form.name, schema, form.ui)


def _choices(directory, options: dict) -> list[dict]:
    if options.get("people"):
        return [{"const": u.name, "title": u.display_name or u.name}
                for u in directory.people(options.get("types") or None, options.get("roles") or None)]
    if options.get("group"):
        users = [u for u in directory.store.users() if u.active and options["group"] in u.groups]
        return [{"const": u.name, "title": u.display_name or u.name} for u in sorted(users, key=lambda u: u.name)]
    return [{"const": u.name, "title": u.name} for u in directory.choosable(options.get("types") or None)]
