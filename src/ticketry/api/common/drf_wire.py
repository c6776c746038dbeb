"""Django REST framework's sentences for a field of the wrong JSON type, in place of
msgspec's (``Expected `str`, got `int```): what a DRF serializer field says for the same
input, so a client that shows DRF's messages shows ours."""

from __future__ import annotations

import re

_EXPECTED = re.compile(r"^Expected `([^`]+)`, got `([^`]+)`")

# msgspec's names for JSON types → the Python type names DRF quotes.
_GOT = {"object": "dict", "array": "list", "null": "NoneType"}

_DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)

_BY_TYPE = {
    "str": "Not a valid string.",
    "int": "A valid integer is required.",
    "float": "A valid number is required.",
    "decimal": "A valid number is required.",
    "bool": "Must be a valid boolean.",
    "datetime": _DATETIME,
    "date": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
    "uuid": "Must be a valid UUID.",
    "array": 'Expected a list of items but got type "{got}".',
    "object": 'Expected a dictionary of items but got type "{got}".',
}

_INVALID_VALUE = {
    "Invalid RFC3339 encoded datetime": _DATETIME,
    "Invalid UUID": "Must be a valid UUID.",
    "Invalid decimal string": "A valid number is required.",
}


def drf_wire_message(message: str) -> str:
    """DRF's sentence for msgspec's ``message`` about one field; msgspec's own (without its
    backquotes and path) when DRF has none."""
    text = message.split(" - at `", 1)[0]
    if text in _INVALID_VALUE:
        return _INVALID_VALUE[text]
    found = _EXPECTED.match(text)
    if found:
        wanted = [t for t in found[1].split(" | ") if t != "null"]
        sentence = _BY_TYPE.get(wanted[0]) if wanted else None
        if sentence is not None:
            return sentence.format(got=_GOT.get(found[2], found[2]))
    return text.replace("`", "")
