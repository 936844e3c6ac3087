"""Admin Console deep links (DESIGN §4.2). The tab anchors are undocumented: the wizard
always shows the URL too, so an admin can navigate by hand if Okta changes them."""

from __future__ import annotations

from wizard.okta.domains import OrgUrl

APP_TABS = {
    "app-general": "tab-general",
    "app-provisioning": "tab-provisioning",
    "app-assignments": "tab-assignments",
}


def admin_base(org: OrgUrl) -> str | None:
    """`https://acme-admin.okta.com`, or the simulator's own URL in the demo."""
    if org.is_loopback:
        return org.base_url
    return f"https://{org.admin_host}" if org.admin_host else None


def app_link(org: OrgUrl, link: str, app_name: str | None, app_id: str | None) -> str | None:
    """The deep link for one of the app's tabs, or the app list while the app is unknown."""
    base = admin_base(org)
    if base is None:
        return None
    if not app_name or not app_id:
        return f"{base}/admin/apps/active"
    return f"{base}/admin/app/{app_name}/instance/{app_id}/#{APP_TABS.get(link, 'tab-general')}"
