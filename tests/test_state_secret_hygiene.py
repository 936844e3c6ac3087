"""No secret ever reaches the state file: settings refuse credential-shaped values, notes and
evidence are redacted, and the bytes on disk are scanned for every encoding of the token."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from wizard import redact
from wizard.memory_keyring import MemoryKeyring
from wizard.secrets import Purpose, SecretStore
from wizard.state import InvalidSettings, StateStore, StepStatus, looks_like_secret

HOST = "acme.okta.com"
KANDJI_TOKEN = "7f3c9a12-4b8e-4d21-9c6f-0e5a7b3d2f18"
OKTA_TOKEN = "00Zx8fJ2kLm9QwErTyUiOpAsDfGhJkL12345678901"


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    redact.clear_registry()
    yield
    redact.clear_registry()


def encodings(value: str) -> list[str]:
    raw = value.encode()
    return [
        value,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        quote(value, safe=""),
        quote_plus(value),
    ]


def test_state_file_never_holds_the_token_after_it_was_stored(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    secrets = SecretStore()
    secrets.put(HOST, Purpose.KANDJI_SCIM_TOKEN, KANDJI_TOKEN)
    secrets.put(HOST, Purpose.OKTA_API_TOKEN, OKTA_TOKEN)
    store = StateStore(tmp_path / "state")
    with store.open(f"https://{HOST}", HOST) as session:
        for field in ("group_name", "app_label", "test_user_login", "kandji_base_url"):
            with pytest.raises(InvalidSettings, match="looks like a token"):
                session.update_settings(**{field: f"x {KANDJI_TOKEN}"})
        session.update_settings(kandji_base_url="https://acme.api.kandji.io/api/v1/scim")
        session.set_status(
            "B.2",
            StepStatus.DONE,
            note=f"admin pasted {KANDJI_TOKEN} then Bearer {OKTA_TOKEN}",
            evidence={
                "request": {"headers": {"Authorization": f"Bearer {KANDJI_TOKEN}"}},
                "echo": [base64.b64encode(f"user:{KANDJI_TOKEN}".encode()).decode()],
                "url": f"https://acme.okta.com/?t={quote(OKTA_TOKEN, safe='')}",
                "token": "short",
            },
        )
        session.set_current("10.5")
        raw = session.path.read_bytes()
    assert memory_keyring.store  # the tokens really are in the keyring
    text = raw.decode()
    for secret in (KANDJI_TOKEN, OKTA_TOKEN):
        for form in encodings(secret):
            assert form not in text, form
    assert "****" in text


@pytest.mark.parametrize(
    "value",
    [
        KANDJI_TOKEN,  # registered below
        OKTA_TOKEN,  # Okta API token shape, even when never registered
        "SSWS 00abcdef1234567890",
        "Bearer abcdef1234567890",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----",
        "https://user:pass@acme.api.kandji.io/api/v1/scim",
        "https://acme.api.kandji.io/api/v1/scim?access_token=abc",
    ],
)
def test_settings_refuse_anything_that_looks_like_a_secret(value: str) -> None:
    redact.register_secret(KANDJI_TOKEN)
    assert looks_like_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        "Kandji SCIM App",
        "Kandji Users",
        "Users provisioned to Kandji over SCIM",
        "https://acme.api.kandji.io/api/v1/scim",
        "https://acme.clients.us-1.kandji.io/api/v1/scim",
        "jane.doe@example.com",
        "0oa1b2c3d4e5f6g7h8i9",  # an Okta client id is not a secret
        "en_US",
        "Bearer token group",
    ],
)
def test_ordinary_settings_are_accepted(value: str) -> None:
    assert not looks_like_secret(value)


def test_secret_pasted_into_a_setting_is_refused_without_echoing_it(tmp_path: Path) -> None:
    redact.register_secret(KANDJI_TOKEN)
    with StateStore(tmp_path / "state").open(f"https://{HOST}", HOST) as session:
        with pytest.raises(InvalidSettings) as caught:
            session.update_settings(group_name=KANDJI_TOKEN)
        assert KANDJI_TOKEN not in str(caught.value)
        assert "group_name" in str(caught.value)


@pytest.mark.parametrize("how", ["evidence", "note written directly"])
def test_save_refuses_a_secret_that_got_past_the_scrubbing(tmp_path, monkeypatch, how: str) -> None:
    """The last line: with the redaction before it bypassed, save() still writes nothing that
    holds a secret, and what was saved before stays as it was."""
    import wizard.state as state_module
    from wizard.state import StateError

    redact.register_secret(KANDJI_TOKEN)
    with StateStore(tmp_path).open("https://acme.okta.com", HOST) as session:
        session.set_status("B.1", StepStatus.DONE, evidence={"base_url": "https://acme.api.kandji.io"})
        before = session.path.read_bytes()
        monkeypatch.setattr(state_module, "_scrub", lambda value: value)  # evidence kept as given
        with pytest.raises(StateError, match="would have contained a secret") as refused:
            if how == "evidence":
                session.set_status("B.2", StepStatus.DONE, evidence={"stored": "the token " + KANDJI_TOKEN})
            else:
                session.state.step("B.2").note = f"pasted {KANDJI_TOKEN} here"
                session.save()
        assert KANDJI_TOKEN not in str(refused.value)
        assert session.path.read_bytes() == before
    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for form in encodings(KANDJI_TOKEN):
        assert form.encode() not in on_disk
