"""Reading HTML form posts: text fields (an upload where text was expected reads as empty),
and the confirmation box every desk delete asks for."""

from __future__ import annotations

from litestar.datastructures import FormMultiDict

CONFIRM_FIELD = "confirm_delete"
CONFIRM_MESSAGE = "Tick the box to confirm that this is to be deleted."


def form_text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_texts(form: FormMultiDict, name: str) -> list[str]:
    return [v for v in form.getall(name, []) if isinstance(v, str)]
