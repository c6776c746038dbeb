"""NWS4-HMAC-SHA256 against the reference signer's published test vector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticketry.api.portos import nws4

PUBLIC = "d948ec22e47790caacce234b792a0f117d85c365"
SECRET = "5070adfb2bedf1c0c97d5c8cfa8c794d513249b802ea10596a175d88828abc19"
NOW = datetime(2023, 5, 30, 13, 17, 1, 992000, tzinfo=UTC)
EXPECTED = (
    "NWS4-HMAC-SHA256 Credential%3Dd948ec22e47790caacce234b792a0f117d85c365%2CSignedHeaders"
    "%3Daccept%253Bcontent-type%253Bhost%253Bx-nd-content-sha256%253Bx-nd-date%2CTimestamp"
    "%3D2023-05-30T13%253A17%253A01.992Z%2CSignature%3D87c7a2057285f0db8dc3b7c95c15fe5476f5"
    "ab44b73b3e15990d8b1a837d4ddb"
)
BODY = b'{"name":"John"}'


def _sign() -> dict[str, str]:
    return nws4.sign(
        client_id=PUBLIC,
        secret=SECRET,
        method="POST",
        url_path="/api/user",
        query="i=1$ref=1&validate",
        host="example.com:8080",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        body=BODY,
        now=NOW,
    )


def test_reference_vector() -> None:
    headers = _sign()
    assert headers["x-nd-date"] == "2023-05-30T13:17:01.992Z"
    assert headers["x-nd-content-sha256"] == (
        "f498513cc6d902a32254a1d795e2031636dea18dce65ba10e94e83189e50cbb8"
    )
    assert headers["host"] == "example.com:8080"
    assert headers["Authorization"] == EXPECTED


def _verify(headers: dict[str, str], *, body: bytes = BODY, now: datetime = NOW) -> None:
    nws4.verify(
        credential=nws4.parse_authorization(headers["Authorization"]),
        secret=SECRET,
        method="POST",
        path="/api/user",
        query="i=1$ref=1&validate",
        headers={k: v for k, v in headers.items() if k != "Authorization"},
        body=body,
        now=now,
    )


def test_verifier_accepts_the_vector_within_the_skew() -> None:
    _verify(_sign())
    _verify(_sign(), now=NOW + timedelta(minutes=4, seconds=59))
    _verify({**_sign(), "x-extra": "unsigned headers are ignored"})


@pytest.mark.parametrize(
    "change",
    [
        {"body": b"{}"},
        {"now": NOW + timedelta(minutes=5, seconds=1)},
        {"now": NOW - timedelta(minutes=6)},
    ],
)
def test_verifier_rejects(change: dict) -> None:
    with pytest.raises(nws4.SignatureError):
        _verify(_sign(), **change)


def test_verifier_rejects_changed_headers() -> None:
    with pytest.raises(nws4.SignatureError):
        _verify({**_sign(), "accept": "text/html"})
    headers = _sign()
    del headers["host"]
    with pytest.raises(nws4.SignatureError):
        _verify(headers)
    with pytest.raises(nws4.SignatureError):
        nws4.parse_authorization("NWS4-HMAC-SHA256 Credential%3Dx")
