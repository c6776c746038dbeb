"""Reading HTML form posts: text fields (an upload where text was expected reads as empty),
and the confirmation box every desk delete asks for."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict

from ticketry.domain.errors import FieldErrors, ValidationFailed
from ticketry.http.params import parse_id

CONFIRM_FIELD = "confirm_delete"
CONFIRM_MESSAGE = "Tick the box to confirm that this is to be deleted."


def form_text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_texts(form: FormMultiDict, name: str) -> list[str]:
    return [v for v in form.getall(name, []) if isinstance(v, str)]


def form_ids(form: FormMultiDict, *names: str, many: tuple[str, ...] = ()) -> dict[str, Any]:
    """Choices that are ids: each of ``names`` an id or None when left empty, each of
    ``many`` a list of ids. A value that is no id (not a number, beyond 2**63-1) cannot be
    one of the offered choices: ValidationFailed names every such field."""
    out: dict[str, Any] = {}
    errors: FieldErrors = {}
    for name in (*names, *many):
        raws = [v.strip() for v in form_texts(form, name)]
        ids = [parse_id(raw) for raw in raws if raw]
        if any(i is None for i in ids):
            errors[name] = ["Select a valid choice."]
        out[name] = (
            [i for i in ids if i is not None] if name in many else (ids[-1] if ids else None)
        )
    if errors:
        raise ValidationFailed(errors)
    return out
