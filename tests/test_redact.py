"""Redaction: known secret values in every encoding they travel in, credential-shaped text,
the UI's mask, and the logging filter."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from wizard import redact
from wizard.redact import RedactingFilter, install_log_redaction, mask, register_secret

TOKEN = "7f3c9a12-4b8e-4d21-9c6f-0e5a7b3d2f18"
AWKWARD = 'p@ss/w0rd+with=odd&chars "quoted"\\'


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    redact.clear_registry()
    yield
    redact.clear_registry()


# -- known values ----------------------------------------------------------------------------


def test_unregistered_text_is_unchanged() -> None:
    text = "Created app 0oa1b2c3 and group 00g9z8y7 for acme.okta.com"
    assert redact.redact(text) == text
    assert redact.redact("") == ""


def test_a_registered_value_is_masked_wherever_it_appears() -> None:
    register_secret(TOKEN)
    assert redact.redact(f"token={TOKEN}; again {TOKEN}.") == "token=****; again ****."


def test_among_hundreds_of_registered_values_the_longest_present_form_wins() -> None:
    # A long-lived process registers many values; only those present are matched, longest first.
    for number in range(300):
        register_secret(f"unrelated-secret-{number:04d}-padding")
    register_secret("abcdef-123456")
    register_secret("abcdef-123456-and-more")
    text = "a=abcdef-123456-and-more b=abcdef-123456 c=unrelated-secret-0042-padding d=plain"
    assert redact.redact(text) == "a=**** b=**** c=**** d=plain"


def test_secretstr_is_accepted_and_short_values_are_ignored() -> None:
    register_secret(SecretStr(TOKEN))
    register_secret("abc")  # too short to mask safely
    register_secret(None)
    assert redact.redact(f"{TOKEN} abc") == "**** abc"


@pytest.mark.parametrize(
    "encode",
    [
        lambda v: base64.b64encode(v.encode()).decode(),
        lambda v: base64.urlsafe_b64encode(v.encode()).decode().rstrip("="),
        lambda v: quote(v, safe=""),
        lambda v: quote(v),
        lambda v: quote_plus(v),
        lambda v: json.dumps(v),
    ],
    ids=["base64", "base64url", "quote", "quote-path", "quote-plus", "json"],
)
@pytest.mark.parametrize("value", [TOKEN, AWKWARD], ids=["token", "awkward"])
def test_encoded_forms_are_masked(encode, value: str) -> None:
    register_secret(value)
    encoded = encode(value)
    assert encoded not in redact.redact(f"body: {encoded} end")


@pytest.mark.parametrize("prefix", ["", "u:", "ab:", "abc:", "user:"])
@pytest.mark.parametrize("suffix", ["", "\n", ":x", ":xy"])
def test_the_value_is_masked_inside_a_larger_base64_blob(prefix: str, suffix: str) -> None:
    register_secret(TOKEN)
    blob = base64.b64encode(f"{prefix}{TOKEN}{suffix}".encode()).decode()
    redacted = redact.redact(f"Basic-ish {blob}")
    assert "****" in redacted
    # whatever is left of the blob must not decode back to the token
    for piece in redacted.split("****"):
        for start in range(len(piece)):
            chunk = piece[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            with contextlib.suppress(ValueError):
                assert TOKEN not in base64.b64decode(chunk).decode(errors="ignore")


def test_pem_body_lines_and_private_jwk_members_are_registered_too() -> None:
    pem = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        "BKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
    )
    jwk = json.dumps({"kty": "RSA", "kid": "k1", "n": "public-modulus", "d": "private-exponent-xyz"})
    register_secret(pem)
    register_secret(jwk)
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in redact.redact("line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
    assert redact.redact("d is private-exponent-xyz") == "d is ****"
    assert "public-modulus" in redact.redact("n is public-modulus")


@settings(max_examples=200, deadline=None)
@given(
    secret=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="*"), min_size=6, max_size=60),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_property_a_registered_secret_never_survives(secret: str, before: str, after: str) -> None:
    redact.clear_registry()
    register_secret(secret)
    assert secret not in redact.redact(before + secret + after)


# -- credential shapes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: SSWS 00abcDEF123ghiJKL456", "Authorization: SSWS ****"),
        ("authorization: Bearer 7f3c9a12-4b8e-4d21", "authorization: Bearer ****"),
        ("Authorization: DPoP eyJhbGciOi.eyJzdWIi.sig", "Authorization: DPoP ****"),
        ('{"Authorization": "Bearer abc123def456"}', '{"Authorization": "Bearer ****"}'),
        ("sent SSWS 00abcDEF123ghiJKL456 to okta", "sent SSWS **** to okta"),
        ("header Bearer abcdefghijklmnopqrstuvwxyz", "header Bearer ****"),
        ("proof DPoP: eyJhbGciOiJFUzI1NiJ9.eyJodG0iOiJHRVQifQ.c2ln", "proof DPoP: ****"),
        ('{"access_token": "opaque-value"}', '{"access_token": "****"}'),
        ("client_assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl", "client_assertion=****"),
    ],
)
def test_credential_shaped_text_is_masked(text: str, expected: str) -> None:
    assert redact.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Bearer token refused by Kandji",
        "Authentication Mode = HTTP Header, Bearer token = the Kandji token",
        "SSWS tokens expire after 30 days unused",
        "Use DPoP for new service apps",
    ],
)
def test_prose_about_credentials_stays_readable(text: str) -> None:
    assert redact.redact(text) == text


def test_pem_private_keys_are_masked_whole_or_cut_short() -> None:
    full = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAA=\n-----END RSA PRIVATE KEY-----\ndone"
    assert redact.redact(full) == "key:\n-----BEGIN RSA PRIVATE KEY-----****\ndone"
    cut = "oops -----BEGIN PRIVATE KEY-----\nMIIEvQ"
    assert "MIIEvQ" not in redact.redact(cut)
    public = "-----BEGIN PUBLIC KEY-----\nMIIBIj\n-----END PUBLIC KEY-----"
    assert redact.redact(public) == public


def test_contains_secret() -> None:
    assert not redact.contains_secret("Kandji Users")
    assert redact.contains_secret("Bearer abc123def456")
    register_secret(TOKEN)
    assert redact.contains_secret(f"x{TOKEN}x")


# -- mask ------------------------------------------------------------------------------------


def test_mask_shows_only_the_last_four_of_long_values() -> None:
    assert mask(TOKEN) == "****2f18"
    assert mask(SecretStr(TOKEN)) == "****2f18"
    assert mask(f"  {TOKEN}\n") == "****2f18"
    assert mask("short-secret") == "****"
    assert mask("") == "****"
    assert mask(None) == "****"


# -- logging ---------------------------------------------------------------------------------


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    logger = logging.getLogger("test_redact.parent")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.filters.clear()


def test_filter_masks_messages_args_and_tracebacks(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    install_log_redaction(logger)
    register_secret(TOKEN)
    logger.info("token is %s", TOKEN)
    logger.debug("headers %r", {"Authorization": "SSWS 00abcDEF123ghiJKL456"})
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        logger.exception("request failed")
    output = stream.getvalue()
    assert TOKEN not in output
    assert "00abcDEF123ghiJKL456" not in output
    assert "token is ****" in output
    assert "ValueError: bad token ****" in output


def test_filter_on_handlers_covers_child_loggers(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    install_log_redaction(logger)
    register_secret(TOKEN)
    logging.getLogger("test_redact.parent.child").warning("child saw %s", TOKEN)
    assert "child saw ****" in stream.getvalue()


def test_unformattable_arguments_are_dropped(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    install_log_redaction(logger)
    logger.error("two args %s %s", TOKEN)
    output = stream.getvalue()
    assert TOKEN not in output
    assert "log arguments hidden" in output


def test_install_is_idempotent(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, _ = captured
    first = install_log_redaction(logger)
    second = install_log_redaction(logger)
    assert first is second
    assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
    assert all(sum(isinstance(f, RedactingFilter) for f in h.filters) == 1 for h in logger.handlers)
