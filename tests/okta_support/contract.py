"""Validate recorded Okta exchanges against Okta's own OpenAPI spec (the wizard's subset).

The spec lives outside the repository (`../shared/okta/…` or `$OKTA_OPENAPI_SPEC`); it is
loaded once per test session. Tests that need it skip, naming the missing path, when absent
(and fail under CI: tests/environment.py).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.environment import require_file
from wizard.okta_simulator import Exchange

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = ROOT.parent / "shared" / "okta" / "okta-management-wizard-subset.yaml"
# The spec's server is https://{yourOktaDomain}; loopback simulator URLs are mapped onto it.
SPEC_HOST = "https://acme.okta.com"

# Responses real Okta sends that its spec does not list for the operation. Each is a fact from
# DESIGN §4 and is still checked: its body must be Okta's Error object.
UNDOCUMENTED_ERROR_STATUSES: dict[str, set[int]] = {
    "*": {401, 405},  # every endpoint answers a bad token with 401 E0000011
    "/api/v1/apps/{appId}/features/{featureName}": {400},  # "Provisioning is not enabled…"
}


# Keys real Okta was recorded sending as null (../shared/okta/recorded/interactions.jsonl) where
# the spec subset declares them not nullable. The recording wins: these nulls are removed
# before a response is checked against the spec; every other key is checked as the spec says.
RECORDED_NULLS: dict[str, str] = {
    "accessibility.errorRedirectUrl": "POST/GET /api/v1/apps (every recorded app)",
    "accessibility.loginRedirectUrl": "POST/GET /api/v1/apps (every recorded app)",
    "universalLogout": "POST/GET /api/v1/apps (every recorded app)",
    "settings.notes.admin": "POST/GET /api/v1/apps (every recorded app)",
    "settings.notes.enduser": "POST/GET /api/v1/apps (every recorded app)",
    "settings.notifications.vpn.message": "POST/GET /api/v1/apps (every recorded app)",
    "settings.notifications.vpn.helpUrl": "POST/GET /api/v1/apps (every recorded app)",
    "externalId": "GET /api/v1/apps/{appId}/users (a user not yet pushed)",
    "passwordChanged": "GET /api/v1/users/{id}, app users",
    "lastLogin": "GET /api/v1/users/{id}",
    "profile.mobilePhone": "POST/GET /api/v1/users",
    "profile.secondEmail": "POST/GET /api/v1/users",
}


def _drop_recorded_nulls(value: Any, prefix: str = "") -> Any:
    if isinstance(value, list):
        return [_drop_recorded_nulls(item, prefix) for item in value]
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, item in value.items():
        path = f"{prefix}{key}"
        if item is None and path in RECORDED_NULLS:
            continue
        kept[key] = _drop_recorded_nulls(item, path + ".")
    return kept


def spec_path() -> Path:
    return Path(os.environ.get("OKTA_OPENAPI_SPEC") or DEFAULT_SPEC)


@functools.lru_cache(maxsize=1)
def _load(path: str) -> Any:
    from openapi_core import OpenAPI

    return OpenAPI.from_path(Path(path))


def load_spec() -> Any:
    path = spec_path()
    require_file(path, "Okta's OpenAPI spec subset", "OKTA_OPENAPI_SPEC")
    return _load(str(path))


def _mock_request(ex: Exchange) -> Any:
    from openapi_core.testing import MockRequest

    parts = urlsplit(ex.url)
    headers = {k: v for k, v in ex.request_headers.items()}
    return MockRequest(
        SPEC_HOST,
        ex.method.lower(),
        parts.path,
        args=dict(parse_qsl(parts.query)),
        headers=headers,
        data=ex.request_body or None,
        content_type=headers.get("Content-Type", "application/json").split(";")[0],
    )


def validate_exchange(spec: Any, ex: Exchange) -> None:
    """Raise AssertionError naming the exchange when the request or response breaks the spec."""
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from openapi_core.testing import MockResponse

    path = urlsplit(ex.url).path
    if not path.startswith("/api/"):
        return
    auth = ex.request_headers.get("Authorization", "")
    assert auth.split(" ", 1)[0] in ("SSWS", "DPoP", "Bearer"), f"{ex}: no Okta credentials"
    request = _mock_request(ex)
    try:
        spec.validate_request(request)
    except Exception as exc:
        raise AssertionError(f"{ex}: request breaks Okta's spec: {exc!r} {exc.__cause__!r}") from None
    content_type = ex.response_headers.get("Content-Type", "application/json").split(";")[0]
    body = ex.response_body
    if body and ex.status < 300:
        import json

        body = json.dumps(_drop_recorded_nulls(json.loads(body))).encode()
    response = MockResponse(body, ex.status, dict(ex.response_headers), content_type)
    try:
        spec.validate_response(request, response)
    except ResponseNotFound:
        template = _template(spec, ex.method, path)
        allowed = UNDOCUMENTED_ERROR_STATUSES["*"] | UNDOCUMENTED_ERROR_STATUSES.get(template, set())
        assert ex.status in allowed, f"{ex}: status {ex.status} is not in Okta's spec for {template}"
        _validate_error_body(spec, ex)
    except Exception as exc:
        if not ex.response_body and type(exc).__name__ == "MissingData":
            return  # the spec writes "content: {}" for no body; openapi-core then expects one
        if ex.response_body == b"{}" and "/lifecycle/" in path and "MediaTypeNotFound" in repr(exc.__cause__):
            return  # recorded: real lifecycle calls answer 200 with `{}` where the spec lists no body

        raise AssertionError(f"{ex}: response breaks Okta's spec: {exc!r} {exc.__cause__!r}") from None


def validate_all(spec: Any, exchanges: list[Exchange]) -> int:
    checked = 0
    for ex in exchanges:
        validate_exchange(spec, ex)
        checked += urlsplit(ex.url).path.startswith("/api/")
    return checked


def _template(spec: Any, method: str, path: str) -> str:
    for template in (spec.spec / "paths").read_value():
        pattern = "^" + "/".join("[^/]+" if s.startswith("{") else s for s in template.split("/")) + "$"
        if re.match(pattern, path):
            return str(template)
    return path


def _validate_error_body(spec: Any, ex: Exchange) -> None:
    import json

    from openapi_schema_validator import OAS30Validator

    schemas = spec.spec / "components" / "schemas"
    schema = json.loads(json.dumps((schemas / "Error").read_value()))
    schema["properties"]["errorCauses"]["items"] = (schemas / "ErrorCause").read_value()
    body = json.loads(ex.response_body)
    OAS30Validator(schema).validate(body)
    assert body.get("errorCode") and body.get("errorSummary"), f"{ex}: not an Okta error body"
