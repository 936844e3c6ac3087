"""Validate and normalise the Kandji SCIM base URL an admin pastes (DESIGN §5).

The URL decides where the Kandji token is sent, so the host must be one of Kandji's (or the
admin must confirm an unknown one), and the URL must be the exact shape Okta accepts: https,
no trailing slash, no `_`, ending in `/api/v1/scim`. Harmless paste slips (a trailing slash, a
`/Users` on the end, a missing scheme) are repaired and listed in `notes`; anything that needs
a decision raises `KandjiUrlError`, whose `str()` is a sentence for the admin and whose
`suggestion` is a corrected URL the UI can offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

SCIM_PATH = "/api/v1/scim"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
EXAMPLE_URL = f"https://<your-subdomain>.api.kandji.io{SCIM_PATH}"

_SUB = r"(?P<sub>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)"
# Kandji's API hosts. Only the first is documented; the others were seen in the field (§5).
KNOWN_HOST_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^{_SUB}\.api\.kandji\.io$"), "us"),
    (re.compile(rf"^{_SUB}\.api\.eu\.kandji\.io$"), "eu"),
    (re.compile(rf"^{_SUB}\.api\.(?P<region>[a-z]{{2}}(?:-\d{{1,2}})?)\.kandji\.io$"), "region"),
    (re.compile(rf"^{_SUB}\.clients\.(?P<region>[a-z]{{2}}-\d{{1,2}})\.kandji\.io$"), "region"),
)
# The web console (https://acme.kandji.io) is what admins most often copy by mistake.
_CONSOLE_HOST = re.compile(rf"^{_SUB}(?P<eu>\.eu)?\.kandji\.io$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PLACEHOLDER = re.compile(r"[{}<>]|\$\{|your-?sub-?domain|yourcompany|example\.", re.IGNORECASE)
_USERS_SUFFIX = re.compile(r"/(users|groups)(/.*)?$", re.IGNORECASE)


class KandjiUrlError(ValueError):
    """The text is not a usable Kandji SCIM base URL. `str()` is a sentence for the admin."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


class UnknownKandjiHost(KandjiUrlError):
    """A well-formed https URL on a host that is not Kandji's: usable only once confirmed."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            f"{host} is not a Kandji API host (expected <subdomain>.api.kandji.io, "
            "<subdomain>.api.eu.kandji.io or <subdomain>.clients.us-1.kandji.io). The Kandji token "
            "will be sent to it: continue only if Kandji gave you this exact URL."
        )


@dataclass(frozen=True)
class KandjiUrl:
    """A validated SCIM base URL, e.g. `https://acme.api.kandji.io/api/v1/scim` (no trailing slash)."""

    base_url: str
    host: str
    notes: tuple[str, ...] = ()
    subdomain: str | None = None
    region: str | None = None  # "us", "eu", "us-1", … for known hosts
    is_known_host: bool = False
    is_loopback: bool = False

    @property
    def origin(self) -> str:
        """Scheme, host and port: where the token may be sent."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def path(self) -> str:
        return urlsplit(self.base_url).path

    @property
    def has_scim_path(self) -> bool:
        return self.path.endswith(SCIM_PATH)


def parse_kandji_url(
    text: str,
    *,
    allow_insecure_loopback: bool = False,
    allow_unknown_host: bool = False,
) -> KandjiUrl:
    """Turn what the admin pasted into a `KandjiUrl`, or raise `KandjiUrlError` saying why not."""
    notes: list[str] = []
    stripped = text.strip()
    if stripped and stripped != text:
        notes.append("removed spaces or line breaks around the URL")
    raw = stripped.strip("\"'`<>“”‘’")
    if raw and raw != stripped:
        notes.append("removed the quotes or brackets around the URL")
    if not raw:
        raise KandjiUrlError(f"Enter the SCIM base URL Kandji shows, for example {EXAMPLE_URL}.")
    if any(ch.isspace() for ch in raw):
        raise KandjiUrlError(
            "The URL contains spaces or line breaks. Copy it again from Kandji in one piece."
        )
    if _PLACEHOLDER.search(raw):
        raise KandjiUrlError(
            "That looks like a placeholder from documentation. Copy the SCIM base URL from your "
            "Kandji tenant (Integrations → SCIM)."
        )
    if "://" not in raw:
        raw = "https://" + raw
        notes.append("added https://")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise KandjiUrlError(f"That is not a valid URL ({exc}). Expected {EXAMPLE_URL}.") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https"):
        raise KandjiUrlError(f"The URL must start with https://, e.g. {EXAMPLE_URL}.")
    if not host:
        raise KandjiUrlError(f"The URL has no host name. Expected {EXAMPLE_URL}.")
    if parts.username or parts.password:
        raise KandjiUrlError(
            "Remove the user name or password from the URL; the token is entered separately."
        )
    if parts.query or parts.fragment:
        raise KandjiUrlError(
            f"Remove everything after '?' or '#': the SCIM base URL has no query. Expected {EXAMPLE_URL}."
        )
    if "_" in raw:
        raise KandjiUrlError(
            "The URL contains '_', which Okta refuses in a SCIM base URL. Check you copied the URL "
            "exactly; Kandji's URLs use '-'."
        )

    path = _normalise_path(parts.path, notes)

    if host in LOOPBACK_HOSTS:
        if not allow_insecure_loopback:
            raise KandjiUrlError(
                "A loopback address is only accepted for the demo and tests (--allow-insecure-loopback). "
                f"Use the SCIM base URL Kandji shows, e.g. {EXAMPLE_URL}."
            )
        if port is None:
            raise KandjiUrlError("A loopback URL needs its port, e.g. http://127.0.0.1:8080/api/v1/scim.")
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if not path.endswith(SCIM_PATH):
            notes.append(f"the path does not end in {SCIM_PATH} as Kandji's does")
        return KandjiUrl(f"{scheme}://{netloc}{path}", host, tuple(notes), is_loopback=True)

    if scheme != "https":
        raise KandjiUrlError(
            "Kandji is only reached over https, and the token must not travel in clear. "
            f"Use https://{host}{path or SCIM_PATH}.",
            suggestion=f"https://{host}{path or SCIM_PATH}",
        )
    if port not in (None, 443):
        raise KandjiUrlError(f"Kandji's SCIM URL has no port. Use https://{host}{path or SCIM_PATH}.")
    _check_host_syntax(host)

    for pattern, kind in KNOWN_HOST_PATTERNS:
        match = pattern.match(host)
        if match:
            region = match.groupdict().get("region") or kind
            return _known(host, match["sub"], region, path, notes)

    console = _CONSOLE_HOST.match(host)
    if console and console["sub"] not in ("api", "clients", "www", "support"):
        eu = ".eu" if console["eu"] else ""
        api_host = f"{console['sub']}.api{eu}.kandji.io"
        raise KandjiUrlError(
            f"{host} is the Kandji web console, not its API. Copy the SCIM base URL from Kandji "
            f"(Integrations → SCIM); it usually looks like https://{api_host}{SCIM_PATH}.",
            suggestion=f"https://{api_host}{SCIM_PATH}",
        )

    if not allow_unknown_host:
        raise UnknownKandjiHost(host)
    notes.append(f"{host} is not a known Kandji host; accepted because you confirmed it")
    if not path.endswith(SCIM_PATH):
        notes.append(f"the path does not end in {SCIM_PATH} as Kandji's does")
    return KandjiUrl(f"https://{host}{path}", host, tuple(notes))


def _normalise_path(path: str, notes: list[str]) -> str:
    if path.endswith("/") and path.strip("/"):
        notes.append("removed the trailing slash")
    path = "/" + path.strip("/") if path.strip("/") else ""
    if "//" in path:
        raise KandjiUrlError(f"The URL path contains '//'. Expected {EXAMPLE_URL}.")
    suffix = _USERS_SUFFIX.search(path)
    if suffix and path[: suffix.start()].lower().endswith(SCIM_PATH):
        notes.append(f"removed {suffix.group(0)!r} from the end: Okta adds it itself")
        path = path[: suffix.start()]
    return path


def _check_host_syntax(host: str) -> None:
    if not host.isascii():
        raise KandjiUrlError(
            "The host contains non-ASCII characters; Kandji hosts are plain letters, digits and "
            "hyphens. Copy the URL again rather than retyping it."
        )
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise KandjiUrlError(f"{host!r} is not a valid host name. Expected {EXAMPLE_URL}.")


def _known(host: str, sub: str, region: str, path: str, notes: list[str]) -> KandjiUrl:
    origin = f"https://{host}"
    if path == SCIM_PATH:
        return KandjiUrl(origin + path, host, tuple(notes), sub, region, is_known_host=True)
    if path.lower() == SCIM_PATH:
        notes.append(f"wrote the path as {SCIM_PATH} (lower case)")
        return KandjiUrl(origin + SCIM_PATH, host, tuple(notes), sub, region, is_known_host=True)
    if path in ("", "/api", "/api/v1"):
        raise KandjiUrlError(
            f"The URL is missing Kandji's SCIM path {SCIM_PATH}. Use {origin}{SCIM_PATH}.",
            suggestion=origin + SCIM_PATH,
        )
    raise KandjiUrlError(
        f"Kandji's SCIM base URL ends in {SCIM_PATH}, but this one has the path {path!r}. "
        f"Use {origin}{SCIM_PATH}.",
        suggestion=origin + SCIM_PATH,
    )
