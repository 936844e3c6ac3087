from __future__ import annotations

import pytest

from wizard.okta.domains import CustomDomainNeedsConfirmation, OrgUrlError, parse_org_url


@pytest.mark.parametrize(
    ("text", "base", "sub"),
    [
        ("https://acme.okta.com", "https://acme.okta.com", "acme"),
        ("  https://Acme.okta.com/  ", "https://acme.okta.com", "acme"),
        ("acme.oktapreview.com", "https://acme.oktapreview.com", "acme"),
        ("https://acme.okta-emea.com", "https://acme.okta-emea.com", "acme"),
        ("https://agency.okta-gov.com", "https://agency.okta-gov.com", "agency"),
    ],
)
def test_accepts_okta_hosts(text: str, base: str, sub: str) -> None:
    org = parse_org_url(text)
    assert org.base_url == base
    assert org.subdomain == sub
    assert org.admin_host == f"{sub}-admin.{org.domain}"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Enter your Okta org URL"),
        ("https://acme-admin.okta.com", "without '-admin'"),
        ("http://acme.okta.com", "only reached over https"),
        ("https://acme.okta.com/admin/dashboard", "Remove the path"),
        ("https://{yourOktaDomain}", "placeholder"),
        ("https://acme.okta.com:8443", "no port"),
        ("https://okta.com", "Add your org's subdomain"),
        ("https://a.b.okta.com", "not an org host"),
        ("https://acmé.okta.com", "non-ASCII"),
        ("https://xn--acm-bma.okta.com", "Punycode"),
        ("http://127.0.0.1:8080", "--allow-insecure-loopback"),
        ("https://acme.okta.com ", None),
    ],
)
def test_refuses_with_reason(text: str, fragment: str | None) -> None:
    if fragment is None:
        assert parse_org_url(text).host == "acme.okta.com"
        return
    with pytest.raises(OrgUrlError) as info:
        parse_org_url(text)
    assert fragment in str(info.value)


def test_custom_domain_needs_confirmation() -> None:
    with pytest.raises(CustomDomainNeedsConfirmation):
        parse_org_url("https://login.acme.com")
    org = parse_org_url("https://login.acme.com", allow_custom=True)
    assert org.is_custom and org.admin_host is None


def test_loopback_only_with_opt_in() -> None:
    org = parse_org_url("http://127.0.0.1:8765", allow_insecure_loopback=True)
    assert org.is_loopback and org.base_url == "http://127.0.0.1:8765"
    with pytest.raises(OrgUrlError):
        parse_org_url("https://127.0.0.1", allow_insecure_loopback=True)
