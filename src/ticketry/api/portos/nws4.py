"""NWS4-HMAC-SHA256, PORTOS's request signing for API keys (AWS SigV4-like).

Canonical request (lines joined by ``\\n``): METHOD, path (RFC 3986-encoded, ``/`` kept),
query (``key=value`` pairs as sent, each part re-encoded, sorted by key), the signed
headers as ``name:value`` (lower-case names, sorted, whitespace runs collapsed), the
signed header names joined by ``;``, and the SHA-256 of the body (hex). The string to
sign is ``NWS4-HMAC-SHA256``, the timestamp, the client id and the SHA-256 of the
canonical request; the key is HMAC-SHA256(``"NWS4" + secret``, ``yyyy-MM-dd``). The
header is ``Authorization: NWS4-HMAC-SHA256 `` + urlencode(``Credential=<id>,SignedHeaders=
<urlenc names>,Timestamp=<urlenc ts>,Signature=<hex>``). Checked against the reference
signer's published test vector (tests/api/portos/test_nws4.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

SCHEME = "NWS4-HMAC-SHA256"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()
MAX_SKEW = timedelta(minutes=5)
REQUIRED_HEADERS = ("host", "x-nd-date", "x-nd-content-sha256")
_WS = re.compile(r"\s+")


class SignatureError(ValueError):
    pass


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def format_timestamp(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def canonical_path(path: str) -> str:
    return "/" + _enc(path.lstrip("/")).replace("%2F", "/") if path else "/"


def canonical_query(query: str) -> str:
    params: dict[str, str] = {}
    if query:
        for part in query.split("&"):
            pieces = part.split("=")
            params[pieces[0]] = pieces[1] if len(pieces) > 1 else ""
    return "&".join(f"{_enc(k)}={_enc(params[k])}" for k in sorted(params))


def canonical_request(
    method: str, path: str, query: str, headers: dict[str, str], body_hash: str
) -> tuple[str, str]:
    """The canonical request and the signed header names (``;``-joined)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    names = sorted(lowered)
    lines = "\n".join(f"{n}:{_WS.sub(' ', lowered[n]).strip()}" for n in names)
    signed = ";".join(names)
    parts = [method.upper(), canonical_path(path), canonical_query(query), lines, signed, body_hash]
    return "\n".join(parts), signed


def signature(secret: str, client_id: str, timestamp: str, canonical: str) -> str:
    to_sign = "\n".join(
        [SCHEME, timestamp, client_id, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = hmac.new(("NWS4" + secret).encode(), timestamp[:10].encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def sign(
    *,
    client_id: str,
    secret: str,
    method: str,
    url_path: str,
    query: str,
    host: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime,
) -> dict[str, str]:
    """A client's signer: the headers to send (the given ones plus the NWS4 ones)."""
    timestamp = format_timestamp(now)
    body_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_HASH
    all_headers = {
        **headers,
        "x-nd-date": timestamp,
        "x-nd-content-sha256": body_hash,
        "host": host,
    }
    canonical, signed = canonical_request(method, url_path, query, all_headers, body_hash)
    sig = signature(secret, client_id, timestamp, canonical)
    value = (
        f"Credential={client_id},SignedHeaders={_enc(signed)},"
        f"Timestamp={_enc(timestamp)},Signature={sig}"
    )
    return {**all_headers, "Authorization": f"{SCHEME} {_enc(value)}"}


@dataclass(frozen=True)
class Credential:
    client_id: str
    signed_headers: list[str]
    timestamp: str
    signature: str


def parse_authorization(value: str) -> Credential:
    scheme, _, rest = value.strip().partition(" ")
    if scheme != SCHEME or not rest:
        raise SignatureError("Not an NWS4-HMAC-SHA256 authorization.")
    fields: dict[str, str] = {}
    for part in unquote(rest.strip()).split(","):
        key, sep, val = part.partition("=")
        if not sep:
            raise SignatureError("Malformed NWS4 authorization.")
        fields[key.strip()] = val.strip()
    try:
        return Credential(
            client_id=fields["Credential"],
            signed_headers=[h for h in unquote(fields["SignedHeaders"]).split(";") if h],
            timestamp=unquote(fields["Timestamp"]),
            signature=fields["Signature"].lower(),
        )
    except KeyError as exc:
        raise SignatureError(f"NWS4 authorization lacks {exc.args[0]}.") from exc


def verify(
    *,
    credential: Credential,
    secret: str,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    now: datetime,
) -> None:
    """Raise SignatureError unless the request is signed by ``secret``, recently."""
    lowered = {k.lower(): v for k, v in headers.items()}
    signed = [h.lower() for h in credential.signed_headers]
    for required in REQUIRED_HEADERS:
        if required not in signed or required not in lowered:
            raise SignatureError(f"The header {required} must be sent and signed.")
    if lowered["x-nd-date"] != credential.timestamp:
        raise SignatureError("x-nd-date differs from the signed timestamp.")
    try:
        moment = datetime.strptime(credential.timestamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError as exc:
        raise SignatureError("The timestamp is not yyyy-MM-ddTHH:mm:ss.fffZ.") from exc
    if abs(now.astimezone(UTC) - moment.replace(tzinfo=UTC)) > MAX_SKEW:
        raise SignatureError("The request's timestamp is outside the allowed clock skew.")
    body_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_BODY_HASH
    if lowered["x-nd-content-sha256"].lower() != body_hash:
        raise SignatureError("x-nd-content-sha256 does not match the body.")
    missing = [h for h in signed if h not in lowered]
    if missing:
        raise SignatureError(f"Signed header {missing[0]} was not sent.")
    canonical, _ = canonical_request(
        method, path, query, {h: lowered[h] for h in signed}, body_hash
    )
    expected = signature(secret, credential.client_id, credential.timestamp, canonical)
    if not hmac.compare_digest(expected, credential.signature):
        raise SignatureError("The signature does not match.")
