"""One doctor run, shared by the command and the TUI: locate the integration, check it."""

from __future__ import annotations

from datetime import datetime

from wizard.doctor.checks import Doctor, KandjiSide
from wizard.doctor.locate import locate
from wizard.doctor.model import DoctorReport
from wizard.okta.client import OktaClient
from wizard.okta.domains import OrgUrl


async def diagnose(
    okta: OktaClient,
    org: OrgUrl,
    *,
    since: datetime,
    kandji: KandjiSide | None = None,
    app_id: str | None = None,
    app_label: str | None = None,
    saved_app_id: str | None = None,
) -> DoctorReport:
    """Raises `IntegrationNotFound` / `IntegrationAmbiguous` (with the candidates) from locate."""
    located = await locate(okta, app_id=app_id, app_label=app_label, saved_app_id=saved_app_id)
    doctor = Doctor(okta, org, located.app, located_by=located.how, since=since, kandji=kandji)
    return await doctor.run()
