"""Validate the Okta org URL an admin types (DESIGN §4.2 Domains).

The org URL decides where the Okta credentials are sent, so the rules are strict and every
refusal says what was wrong and what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Okta's own cells. A host is `{subdomain}.{one of these}`.
OKTA_DOMAINS: tuple[str, ...] = (
    "okta.com",
    "oktapreview.com",
    "okta-emea.com",
    "okta-gov.com",
    "okta.mil",
    "okta-miltest.com",
    "trex-gov.com",
    "trexcloud.com",
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PLACEHOLDER = re.compile(r"[{}<>]|\$\{|your-?okta-?domain|your-?org|example\.", re.IGNORECASE)


class OrgUrlError(ValueError):
    """The text is not a usable Okta org URL. `str()` is a sentence for the admin."""


class CustomDomainNeedsConfirmation(OrgUrlError):
    """A well-formed host outside Okta's domains: allowed only when the admin confirms."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            f"{host} is not an Okta domain ({', '.join(OKTA_DOMAINS[:3])}, …). If it is your "
            "org's custom domain, confirm it; otherwise use https://<your-org>.okta.com."
        )


@dataclass(frozen=True)
class OrgUrl:
    """A validated org URL. `base_url` has no trailing slash and no path."""

    base_url: str
    host: str
    subdomain: str | None
    domain: str | None
    is_custom: bool = False
    is_loopback: bool = False

    @property
    def admin_host(self) -> str | None:
        """The Admin Console host (`acme-admin.okta.com`), when it can be derived."""
        if self.subdomain and self.domain:
            return f"{self.subdomain}-admin.{self.domain}"
        return None


def parse_org_url(
    text: str,
    *,
    allow_custom: bool = False,
    allow_insecure_loopback: bool = False,
) -> OrgUrl:
    """Turn what the admin typed into an `OrgUrl`, or raise `OrgUrlError` saying why not."""
    raw = text.strip()
    if not raw:
        raise OrgUrlError("Enter your Okta org URL, for example https://acme.okta.com.")
    if any(ch.isspace() for ch in raw):
        raise OrgUrlError("The URL contains spaces. Paste only the org URL, e.g. https://acme.okta.com.")
    if _PLACEHOLDER.search(raw):
        raise OrgUrlError(
            "That looks like a placeholder from documentation. Use your own org's URL, "
            "e.g. https://acme.okta.com."
        )
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise OrgUrlError(f"That is not a valid URL ({exc}). Use https://<your-org>.okta.com.") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise OrgUrlError("The URL has no host name. Use https://<your-org>.okta.com.")
    if parts.username or parts.password:
        raise OrgUrlError("Remove the user name or password from the URL; credentials are asked separately.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise OrgUrlError(
            f"Remove the path: the org URL is just the host, e.g. https://{host}."
        )

    if host in LOOPBACK_HOSTS:
        if not allow_insecure_loopback:
            raise OrgUrlError(
                "A loopback address is only accepted for the demo and tests "
                "(--allow-insecure-loopback). Use your org's URL, e.g. https://acme.okta.com."
            )
        if scheme != "http" or port is None:
            raise OrgUrlError("A loopback org URL must be http://127.0.0.1:PORT or http://localhost:PORT.")
        return OrgUrl(f"http://{host}:{port}", host, None, None, is_loopback=True)

    if scheme != "https":
        raise OrgUrlError(f"Okta is only reached over https. Use https://{host}.")
    if port not in (None, 443):
        raise OrgUrlError(f"Okta org URLs have no port. Use https://{host}.")
    if not host.isascii():
        raise OrgUrlError(
            "The host contains non-ASCII characters; Okta org hosts are plain letters, digits "
            "and hyphens. Retype it rather than pasting it."
        )
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise OrgUrlError(f"{host!r} is not a valid host name. Use https://<your-org>.okta.com.")
    if any(label.startswith("xn--") for label in labels):
        raise OrgUrlError("Punycode (xn--) host names are not Okta org hosts. Use https://<your-org>.okta.com.")

    for domain in OKTA_DOMAINS:
        if host == domain:
            raise OrgUrlError(f"Add your org's subdomain: https://<your-org>.{domain}.")
        if host.endswith("." + domain):
            sub = host[: -len(domain) - 1]
            if "." in sub:
                raise OrgUrlError(f"{host} is not an org host. Use https://<your-org>.{domain}.")
            if sub.endswith("-admin"):
                plain = sub.removesuffix("-admin")
                raise OrgUrlError(
                    f"That is the Admin Console host. Use the org URL without '-admin': "
                    f"https://{plain}.{domain}."
                )
            return OrgUrl(f"https://{host}", host, sub, domain)

    if not allow_custom:
        raise CustomDomainNeedsConfirmation(host)
    return OrgUrl(f"https://{host}", host, None, None, is_custom=True)
