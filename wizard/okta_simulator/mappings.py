"""Profile mappings (Profile Editor › Mappings), as the simulator models them.

Each app has one Okta user → app user mapping whose `properties` say, per app attribute, which
Okta expression fills it and whether Okta pushes it (`PUSH` / `DONT_PUSH`), the shape of Okta's
`GET /api/v1/mappings/{id}`. The default below is our model of a custom SCIM 2.0 app's default
mapping (given/family name, email, display name, title from the Okta profile): no recording
shows one, so a test can replace it with `OktaSimulator.set_profile_mapping()`.
"""

from __future__ import annotations

from typing import Any

USER_TYPE_ID = "oty1simulatedusertype"

DEFAULT_PROPERTIES: dict[str, dict[str, str]] = {
    "givenName": {"expression": "user.firstName", "pushStatus": "PUSH"},
    "familyName": {"expression": "user.lastName", "pushStatus": "PUSH"},
    "email": {"expression": "user.email", "pushStatus": "PUSH"},
    "displayName": {"expression": "user.displayName", "pushStatus": "PUSH"},
    "title": {"expression": "user.title", "pushStatus": "PUSH"},
}

# App attributes the simulator's SCIM push fills from the mapping (app attribute → SCIM attribute).
PUSHED_EXTRAS: dict[str, str] = {"title": "title", "nickName": "nickName"}


def mapping_id(app_id: str) -> str:
    # Okta mapping ids start with "prm" and are 20 characters long.
    return "prm" + app_id[3:]


def app_id_of(mapping: str) -> str:
    return "0oa" + mapping[3:]


def mapping_summary(app: dict[str, Any], origin: str) -> dict[str, Any]:
    """One item of `GET /api/v1/mappings`: source, target and links, no properties."""
    app_id = str(app["id"])
    return {
        "id": mapping_id(app_id),
        "source": {
            "id": USER_TYPE_ID,
            "name": "user",
            "type": "user",
            "_links": {"self": {"href": f"{origin}/api/v1/meta/types/user/{USER_TYPE_ID}"}},
        },
        "target": {
            "id": app_id,
            "name": str(app["name"]),
            "type": "appuser",
            "_links": {"self": {"href": f"{origin}/api/v1/apps/{app_id}"}},
        },
        "_links": {"self": {"href": f"{origin}/api/v1/mappings/{mapping_id(app_id)}"}},
    }


def mapping_detail(app: dict[str, Any], properties: dict[str, dict[str, str]], origin: str) -> dict[str, Any]:
    return {**mapping_summary(app, origin), "properties": {k: dict(v) for k, v in properties.items()}}


def pushed_extras(properties: dict[str, dict[str, str]], profile: dict[str, Any]) -> dict[str, Any]:
    """The SCIM attributes beyond the core ones that the mapping pushes, with their values."""
    found: dict[str, Any] = {}
    for app_attr, scim_attr in PUSHED_EXTRAS.items():
        prop = properties.get(app_attr) or {}
        expression = str(prop.get("expression") or "")
        if prop.get("pushStatus") != "PUSH" or not expression.startswith("user."):
            continue
        value = profile.get(expression.removeprefix("user."))
        if value not in (None, ""):
            found[scim_attr] = value
    return found
