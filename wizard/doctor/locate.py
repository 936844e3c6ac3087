"""Find the integration to check: by id, by exact label, from a saved setup, or among the org's
apps, the custom SAML apps whose label mentions Kandji and the apps with provisioning features."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard.doctor.model import Candidate
from wizard.okta import errors as E
from wizard.okta.client import OktaClient

PROVISIONING_FEATURES = frozenset(
    {
        "SCIM_PROVISIONING",
        "PUSH_NEW_USERS",
        "PUSH_PROFILE_UPDATES",
        "PUSH_USER_DEACTIVATION",
        "REACTIVATE_USERS",
        "IMPORT_NEW_USERS",
    }
)


class IntegrationNotFound(Exception):
    """Nothing matches; `str()` says what was looked for."""


class IntegrationAmbiguous(Exception):
    """Several apps could be the integration; the admin picks one with --app-id."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        super().__init__(f"{len(candidates)} apps could be the Kandji integration; choose one with --app-id.")


@dataclass(frozen=True)
class Located:
    app: dict[str, Any]
    how: str  # "--app-id", "--app-label", "saved setup", "the only candidate"


def candidate_of(app: dict[str, Any]) -> Candidate | None:
    features = tuple(str(f) for f in app.get("features") or [])
    label = str(app.get("label") or "")
    mode = str(app.get("signOnMode") or "")
    reasons = []
    if mode == "SAML_2_0" and "kandji" in label.casefold():
        reasons.append("custom SAML app named like Kandji")
    if PROVISIONING_FEATURES & set(features):
        reasons.append("has provisioning features")
    if not reasons:
        return None
    return Candidate(
        str(app.get("id")),
        label,
        str(app.get("name") or ""),
        mode,
        str(app.get("status") or ""),
        features,
        "; ".join(reasons),
    )


async def find_candidates(okta: OktaClient) -> list[Candidate]:
    found: list[Candidate] = []
    async for page in okta.app_pages():
        found += [c for c in (candidate_of(app) for app in page.items) if c is not None]
    # Likeliest first: named like Kandji and provisioning, then provisioning, then the name only.
    return sorted(found, key=lambda c: (-("kandji" in c.label.casefold()) - 2 * bool(c.features), c.label))


async def locate(
    okta: OktaClient,
    *,
    app_id: str | None = None,
    app_label: str | None = None,
    saved_app_id: str | None = None,
) -> Located:
    if app_id:
        try:
            return Located(await okta.get_app(app_id), "--app-id")
        except E.OktaNotFoundError:
            raise IntegrationNotFound(f"Okta has no app with id {app_id}.") from None
    if app_label:
        async for page in okta.app_pages():
            for app in page.items:
                if str(app.get("label") or "") == app_label:
                    return Located(app, "--app-label")
        raise IntegrationNotFound(f"Okta has no app labelled exactly {app_label!r}.")
    if saved_app_id:
        try:
            return Located(await okta.get_app(saved_app_id), "saved setup")
        except E.OktaNotFoundError:
            raise IntegrationNotFound(
                f"The app the saved setup recorded ({saved_app_id}) no longer exists in Okta. "
                "Name another with --app-id or --app-label."
            ) from None
    candidates = await find_candidates(okta)
    if not candidates:
        raise IntegrationNotFound(
            "No app in this org looks like a Kandji integration (no custom SAML app named like "
            "Kandji, no app with provisioning features). Name it with --app-id or --app-label."
        )
    if len(candidates) > 1:
        raise IntegrationAmbiguous(candidates)
    return Located(await okta.get_app(candidates[0].id), "the only candidate")
