"""Turning request bodies into typed structs while reporting every bad field at once.

msgspec stops at the first error; clients of DRF-style APIs expect all of them, so each
field is converted on its own and the errors are gathered into ``{"field": ["why"]}``.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar, Union, get_args, get_origin

import msgspec

from ticketry.domain.errors import FieldErrors, ValidationFailed

S = TypeVar("S", bound=msgspec.Struct)


class MalformedBody(Exception):
    """The body is not parseable JSON."""


class UnsupportedMediaType(Exception):
    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


_JSON = msgspec.json.Decoder()


def json_decode(body: bytes, decoder: msgspec.json.Decoder[Any] = _JSON) -> Any:
    """``body`` decoded, or MalformedBody for every way bytes fail to be JSON.

    msgspec reports bad syntax as DecodeError, but bytes that are not UTF-8 as
    UnicodeDecodeError and nesting deeper than the interpreter's recursion limit as
    RecursionError; all three are the client's mistake, never a server error."""
    try:
        return decoder.decode(body)
    except msgspec.DecodeError as exc:
        raise MalformedBody(str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"Invalid UTF-8 at byte {exc.start}.") from exc
    except RecursionError as exc:
        raise MalformedBody("JSON is nested too deeply.") from exc


def is_json_media(content_type: str | None) -> bool:
    """No content type, ``application/json`` or any ``+json`` type."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return not media or media == "application/json" or media.endswith("+json")


def parse_json(body: bytes, content_type: str | None) -> Any:
    if body.strip() == b"":
        return None
    if not is_json_media(content_type):
        raise UnsupportedMediaType((content_type or "").split(";", 1)[0].strip().lower())
    return json_decode(body)


def _clean(message: str) -> str:
    return message.split(" - at `", 1)[0].replace("`", "")


# How a face words msgspec's message about one field (the default: msgspec's own, cleaned).
Wording = Callable[[str], str]


def _struct_in(tp: Any) -> type[msgspec.Struct] | None:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return tp
    if get_origin(tp) in (Union, types.UnionType):
        for arg in get_args(tp):
            found = _struct_in(arg)
            if found is not None:
                return found
    return None


def _list_struct_in(tp: Any) -> type[msgspec.Struct] | None:
    candidates = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
    for arg in candidates:
        if get_origin(arg) is list:
            (inner,) = get_args(arg) or (Any,)
            return _struct_in(inner)
    return None


def _allows_none(tp: Any) -> bool:
    return (
        tp is None
        or tp is type(None)
        or (get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp))
    )


@functools.lru_cache(maxsize=256)
def _hints(cls: type[msgspec.Struct]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def collect_errors(
    raw: Any, cls: type[msgspec.Struct], *, partial: bool = False, word: Wording = _clean
) -> FieldErrors:
    if not isinstance(raw, dict):
        got = "null" if raw is None else type(raw).__name__
        return {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {got}."]}
    errors: FieldErrors = {}
    hints = _hints(cls)
    for field in msgspec.structs.fields(cls):
        name = field.encode_name
        if name not in raw:
            if field.required and not partial:
                errors[name] = ["This field is required."]
            continue
        value = raw[name]
        tp = hints.get(field.name, field.type)
        if value is None and not _allows_none(tp):
            errors[name] = ["This field may not be null."]
            continue
        nested = _struct_in(tp)
        if nested is not None and isinstance(value, dict):
            sub = collect_errors(value, nested, partial=partial, word=word)
            if sub:
                errors[name] = sub
            continue
        nested_list = _list_struct_in(tp)
        if nested_list is not None and isinstance(value, list):
            subs = [collect_errors(v, nested_list, word=word) for v in value]
            if any(subs):
                errors[name] = subs
            continue
        try:
            msgspec.convert(value, tp)
        except msgspec.ValidationError as exc:
            errors[name] = [word(str(exc))]
    return errors


def decoded_rest(raw: Any, errors: FieldErrors, cls: type[S]) -> S | None:
    """The fields of ``raw`` that ``errors`` (from ``collect_errors``) does not name, as
    ``cls`` (a struct with every field optional, a PATCH body); None when ``raw`` is no
    object or still does not convert. A face checks its rules on them, so one 400 names the
    wire-type errors and the rule errors of the other fields together."""
    if not isinstance(raw, dict) or "non_field_errors" in errors:
        return None
    names = _encode_names(cls)
    rest = {k: v for k, v in raw.items() if k not in errors and k in names}
    try:
        return msgspec.convert(rest, cls)
    except msgspec.ValidationError:
        return None


@functools.lru_cache(maxsize=64)
def _encode_names(cls: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(f.encode_name for f in msgspec.structs.fields(cls))


def decode_struct(raw: Any, cls: type[S], *, partial: bool = False, word: Wording = _clean) -> S:
    """Convert ``raw`` to ``cls``; on failure raise ValidationFailed naming every bad field.

    A body that converts is not checked field by field (that pass finds nothing in it and
    cost more than the conversion); one that does not is, so the error names them all."""
    try:
        return msgspec.convert(raw, cls)
    except msgspec.ValidationError as exc:
        errors = collect_errors(raw, cls, partial=partial, word=word)
        if errors:
            raise ValidationFailed(errors) from exc
        # a rule the per-field pass could not see
        raise ValidationFailed({"non_field_errors": [_clean(str(exc))]}) from exc
