"""Kandji SCIM base URL validation and normalisation (issue 4 §1, DESIGN §5)."""

from __future__ import annotations

import pytest

from wizard.kandji.urls import KandjiUrlError, UnknownKandjiHost, parse_kandji_url

GOOD = "https://acme.api.kandji.io/api/v1/scim"


@pytest.mark.parametrize(
    ("text", "base_url", "region"),
    [
        (GOOD, GOOD, "us"),
        (GOOD + "/", GOOD, "us"),
        (GOOD + "/Users", GOOD, "us"),
        (GOOD + "/Users/", GOOD, "us"),
        (GOOD + "/users", GOOD, "us"),
        (GOOD + "/Groups", GOOD, "us"),
        ("  " + GOOD + "\n", GOOD, "us"),
        (f'"{GOOD}"', GOOD, "us"),
        (f"<{GOOD}>", GOOD, "us"),
        ("acme.api.kandji.io/api/v1/scim", GOOD, "us"),
        ("HTTPS://ACME.API.KANDJI.IO/api/v1/scim", GOOD, "us"),
        ("https://acme.api.kandji.io:443/api/v1/scim", GOOD, "us"),
        ("https://acme.api.kandji.io/API/V1/SCIM", GOOD, "us"),
        ("https://acme.api.eu.kandji.io/api/v1/scim", "https://acme.api.eu.kandji.io/api/v1/scim", "eu"),
        (
            "https://acme.clients.us-1.kandji.io/api/v1/scim",
            "https://acme.clients.us-1.kandji.io/api/v1/scim",
            "us-1",
        ),
        (
            "https://acme-corp.clients.eu-2.kandji.io/api/v1/scim/",
            "https://acme-corp.clients.eu-2.kandji.io/api/v1/scim",
            "eu-2",
        ),
    ],
)
def test_known_hosts_are_accepted_and_normalised(text: str, base_url: str, region: str) -> None:
    url = parse_kandji_url(text)
    assert url.base_url == base_url
    assert url.is_known_host and not url.is_loopback
    assert url.region == region
    assert url.subdomain in ("acme", "acme-corp")
    assert url.origin == base_url.removesuffix("/api/v1/scim")


def test_notes_say_what_was_repaired() -> None:
    assert parse_kandji_url(GOOD).notes == ()
    assert parse_kandji_url(GOOD + "/").notes == ("removed the trailing slash",)
    assert parse_kandji_url(GOOD + "/Users").notes == ("removed '/Users' from the end: Okta adds it itself",)
    assert parse_kandji_url("acme.api.kandji.io/api/v1/scim").notes == ("added https://",)


@pytest.mark.parametrize(
    ("text", "suggestion", "words"),
    [
        ("https://acme.api.kandji.io", GOOD, "missing Kandji's SCIM path /api/v1/scim"),
        ("https://acme.api.kandji.io/", GOOD, "missing Kandji's SCIM path"),
        ("acme.api.kandji.io", GOOD, "missing Kandji's SCIM path"),
        ("https://acme.api.kandji.io/api/v1", GOOD, "missing Kandji's SCIM path"),
        ("https://acme.api.kandji.io/api/v1/devices", GOOD, "has the path '/api/v1/devices'"),
        ("https://acme.kandji.io", GOOD, "is the Kandji web console"),
        (
            "https://acme.eu.kandji.io/integrations",
            "https://acme.api.eu.kandji.io/api/v1/scim",
            "web console",
        ),
        ("http://acme.api.kandji.io/api/v1/scim", GOOD, "only reached over https"),
    ],
)
def test_fixable_urls_are_refused_with_a_suggestion(text: str, suggestion: str, words: str) -> None:
    with pytest.raises(KandjiUrlError) as caught:
        parse_kandji_url(text)
    assert caught.value.suggestion == suggestion
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Enter the SCIM base URL"),
        ("   ", "Enter the SCIM base URL"),
        ("https://acme_corp.api.kandji.io/api/v1/scim", "contains '_'"),
        ("https://acme.api.kandji.io/api/v1/scim_v2", "contains '_'"),
        ("https://acme.api.kandji.io/api/v1/ scim", "spaces"),
        ("https://<subdomain>.api.kandji.io/api/v1/scim", "placeholder"),
        ("https://{sub}.api.kandji.io/api/v1/scim", "placeholder"),
        ("https://user:pw@acme.api.kandji.io/api/v1/scim", "user name or password"),
        ("https://acme.api.kandji.io/api/v1/scim?x=1", "after '?' or '#'"),
        ("https://acme.api.kandji.io/api/v1/scim#frag", "after '?' or '#'"),
        ("https://acme.api.kandji.io:8443/api/v1/scim", "no port"),
        ("ftp://acme.api.kandji.io/api/v1/scim", "must start with https://"),
        ("https://acme.api.kandji.io:99999/api/v1/scim", "not a valid URL"),
        ("https://-acme.api.kandji.io/api/v1/scim", "not a valid host name"),
        ("https://acmé.api.kandji.io/api/v1/scim", "non-ASCII"),
        ("http://127.0.0.1:8080/api/v1/scim", "--allow-insecure-loopback"),
        ("https://acme.api.kandji.io/api//v1/scim", "'//'"),
    ],
)
def test_unusable_urls_are_refused_with_a_sentence(text: str, words: str) -> None:
    with pytest.raises(KandjiUrlError) as caught:
        parse_kandji_url(text)
    assert words in str(caught.value)
    assert not isinstance(caught.value, UnknownKandjiHost)
    assert str(caught.value).endswith((".", ")"))


def test_unknown_host_needs_confirmation() -> None:
    with pytest.raises(UnknownKandjiHost) as caught:
        parse_kandji_url("https://scim.example-proxy.net/api/v1/scim")
    assert caught.value.host == "scim.example-proxy.net"
    assert "continue only if Kandji gave you this exact URL" in str(caught.value)
    url = parse_kandji_url("https://scim.example-proxy.net/api/v1/scim", allow_unknown_host=True)
    assert url.base_url == "https://scim.example-proxy.net/api/v1/scim"
    assert not url.is_known_host
    assert "not a known Kandji host" in url.notes[-1]


def test_unknown_host_still_needs_https() -> None:
    with pytest.raises(KandjiUrlError, match="only reached over https"):
        parse_kandji_url("http://scim.example-proxy.net/api/v1/scim", allow_unknown_host=True)


@pytest.mark.parametrize(
    ("text", "base_url"),
    [
        ("http://127.0.0.1:8080/api/v1/scim", "http://127.0.0.1:8080/api/v1/scim"),
        ("http://localhost:8080/api/v1/scim/", "http://localhost:8080/api/v1/scim"),
        ("https://127.0.0.1:8443/api/v1/scim", "https://127.0.0.1:8443/api/v1/scim"),
        ("http://[::1]:8080/api/v1/scim", "http://[::1]:8080/api/v1/scim"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_loopback_with_opt_in(text: str, base_url: str) -> None:
    url = parse_kandji_url(text, allow_insecure_loopback=True)
    assert url.base_url == base_url
    assert url.is_loopback


def test_loopback_needs_a_port() -> None:
    with pytest.raises(KandjiUrlError, match="needs its port"):
        parse_kandji_url("http://127.0.0.1/api/v1/scim", allow_insecure_loopback=True)


def test_loopback_without_scim_path_is_accepted_with_a_note() -> None:
    url = parse_kandji_url("http://127.0.0.1:8080", allow_insecure_loopback=True)
    assert not url.has_scim_path
    assert "does not end in /api/v1/scim" in url.notes[-1]
