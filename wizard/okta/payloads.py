"""Request bodies the wizard sends to Okta, built in one place (DESIGN §4.2)."""

from __future__ import annotations

from typing import Any

# The app is never used for sign-on, but Okta requires SAML URLs; these cannot resolve.
PLACEHOLDER_ACS_URL = "https://kandji-scim.invalid/saml/acs"
PLACEHOLDER_AUDIENCE = "https://kandji-scim.invalid/saml/audience"
DEFAULT_APP_LABEL = "Kandji SCIM App"
DEFAULT_GROUP_NAME = "Kandji Users"
DEFAULT_ASSIGNMENT_PROFILE: dict[str, str] = {"preferredLanguage": "en", "locale": "en_US"}


def saml_app_body(label: str) -> dict[str, Any]:
    """The custom SAML 2.0 app. No `name`: Okta generates it. No `features`: read-only."""
    return {
        "label": label,
        "signOnMode": "SAML_2_0",
        "visibility": {"autoSubmitToolbar": False, "hide": {"web": True, "iOS": True}},
        "settings": {
            "signOn": {
                "ssoAcsUrl": PLACEHOLDER_ACS_URL,
                "recipient": PLACEHOLDER_ACS_URL,
                "destination": PLACEHOLDER_ACS_URL,
                "audience": PLACEHOLDER_AUDIENCE,
                "subjectNameIdTemplate": "${user.userName}",
                "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                "responseSigned": True,
                "assertionSigned": True,
                "signatureAlgorithm": "RSA_SHA256",
                "digestAlgorithm": "SHA256",
                "honorForceAuthn": True,
                "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "requestCompressed": False,
                "allowMultipleAcsEndpoints": False,
            }
        },
    }


def user_body(profile: dict[str, Any], password: str, group_ids: list[str]) -> dict[str, Any]:
    """A user with a password set by the admin. `nextLogin` is omitted on purpose (step 17)."""
    body: dict[str, Any] = {"profile": dict(profile), "credentials": {"password": {"value": password}}}
    if group_ids:
        body["groupIds"] = list(group_ids)
    return body


def filter_literal(value: str) -> str:
    """Quote a value for Okta's filter/search expressions."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
