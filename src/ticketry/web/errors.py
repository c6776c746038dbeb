"""The desk's and portal's sentences for the domain's error codes (the web pages are a face
of their own: they word field errors as they like)."""

from __future__ import annotations

from typing import Any

from ticketry.domain.errors import Code, FieldError, FieldErrors, worded

_WORDING: dict[Code, str] = {
    Code.REQUIRED: "This field is required.",
    Code.NULL: "This field is required.",
    Code.BLANK: "This field may not be blank.",
    Code.TOO_LONG: "Ensure this field has no more than {max} characters.",
    Code.NUL_CHARACTER: "Null characters are not allowed.",
    Code.INVALID_CHOICE: '"{value}" is not a valid choice.',
    Code.NOT_ALLOWED: '"{value}" is not one of the account\'s choices.',
    Code.INVALID_REF: '"{value}" does not exist.',
    Code.INVALID_EMAIL: "Enter a valid email address.",
    Code.INVALID_CURRENCY: '"{value}" is not a valid ISO 4217 currency code.',
    Code.INVALID_COUNTRY: '"{value}" is not a valid ISO 3166-1 alpha-2 country code.',
    Code.INVALID_LANGUAGE: '"{value}" is not a valid ISO 639-1 language code.',
    Code.DATETIME_OUT_OF_RANGE: "Datetime value out of range.",
    Code.OUT_OF_RANGE: "Ensure this value is between {min} and {max}.",
    Code.INVALID_NUMBER: "A valid number is required.",
    Code.MAX_DIGITS: "Ensure that there are no more than {max} digits in total.",
    Code.MAX_DECIMAL_PLACES: "Ensure that there are no more than {max} decimal places.",
    Code.TOO_MANY: "Ensure there are no more than {max} of them.",
    Code.EMPTY_LIST: "This list may not be empty.",
    Code.NOT_A_STRING: "Enter text.",
    Code.UNIQUE: '"{value}" already exists.',
    Code.IMMUTABLE: "This field cannot be changed.",
}

# Where a field's code needs its own sentence (the generic one would say too little).
_FIELD_WORDING: dict[tuple[str, Code], str] = {
    ("url", Code.UNIQUE): (
        "A subscription with this URL, format and events already exists: change that one."
    ),
}


def web_message(error: FieldError, path: tuple[str, ...] = ()) -> str:
    own = _FIELD_WORDING.get((path[-1] if path else "", error.code))  # type: ignore[arg-type]
    if own is not None:
        return own
    if error.code is Code.OUT_OF_RANGE and error.params.get("exclusive"):
        return "Ensure this value is greater than {min} and below {max}.".format(**error.params)
    params = {"field": path[-1] if path else "value", **error.params}
    text = _WORDING[error.code]
    if error.code is Code.INVALID_CHOICE and "choices" in params:
        text += " Use {choices}."
    message = text.format(**params)
    return f"{params['part']}: {message}" if "part" in params else message


def web_errors(errors: FieldErrors) -> dict[str, Any]:
    """The field errors as the pages show them: each a sentence."""
    result: dict[str, Any] = worded(errors, web_message)
    return result
