"""Which attribute the canary changes: one the app's profile mapping pushes on every update.

Read from Okta's Profile Mappings API (`GET /api/v1/mappings?targetId=<app>` then
`GET /api/v1/mappings/{id}`, scope okta.profileMappings.read) where the credentials allow; else
the default-mapped `title`, and the report says which it used and why.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from wizard.okta import errors as E
from wizard.okta.client import OktaClient

# App attributes safe to change for a minute (nobody signs in or is matched by them), in order of
# preference, with the SCIM attribute Kandji stores them under.
HARMLESS: tuple[tuple[str, str], ...] = (("title", "title"), ("nickName", "nickName"))
DEFAULT_ASSUMPTION = (
    "Okta's default mapping for a custom SCIM app pushes the Okta profile's title to the app's "
    "title on every update"
)


@dataclass(frozen=True)
class CanaryAttribute:
    okta_attribute: str  # in the Okta user profile: what the canary changes
    scim_attribute: str  # in Kandji's SCIM user: where the change must arrive
    source: str  # "mapping" or "default"
    explanation: str  # one sentence for the report: which, and why
    mapping_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _default(why: str) -> CanaryAttribute:
    return CanaryAttribute(
        "title",
        "title",
        "default",
        f"title, the default-mapped attribute ({DEFAULT_ASSUMPTION}); the app's profile mapping was "
        f"not read: {why}",
    )


class NoHarmlessAttribute(Exception):
    """The mapping pushes none of the attributes the canary may change; `str()` says what to do."""


async def choose_attribute(okta: OktaClient, app_id: str) -> CanaryAttribute:
    try:
        mappings = await okta.list_profile_mappings(app_id)
    except (E.OktaPermissionError, E.OktaAuthError):
        return _default("these credentials may not read profile mappings (scope okta.profileMappings.read)")
    except E.OktaError as exc:
        return _default(str(exc))
    mapping = next(
        (
            m
            for m in mappings
            if (m.get("source") or {}).get("type") == "user" and (m.get("target") or {}).get("id") == app_id
        ),
        None,
    )
    if mapping is None:
        return _default("Okta lists no Okta user → app mapping for this app")
    try:
        detail = await okta.get_profile_mapping(str(mapping["id"]))
    except E.OktaError as exc:
        return _default(str(exc))
    properties = detail.get("properties") if isinstance(detail.get("properties"), dict) else {}
    for app_attribute, scim_attribute in HARMLESS:
        prop = properties.get(app_attribute)
        if not isinstance(prop, dict) or prop.get("pushStatus") != "PUSH":
            continue
        found = re.fullmatch(r"\s*user\.([A-Za-z0-9_]+)\s*", str(prop.get("expression") or ""))
        if found:
            return CanaryAttribute(
                found.group(1),
                scim_attribute,
                "mapping",
                f"{app_attribute}, which the app's profile mapping ({mapping['id']}) fills from "
                f"{found.group(0).strip()} and pushes on every update",
                str(mapping["id"]),
            )
    names = " or ".join(a for a, _ in HARMLESS)
    raise NoHarmlessAttribute(
        f"The app's profile mapping ({mapping['id']}) pushes neither {names} from the Okta profile on "
        "update, so the canary has nothing harmless to change. In Okta open Directory › Profile "
        "Editor › the app › Mappings, map user.title to title with “Apply mapping on user create "
        "and update”, save, and run the canary again."
    )
