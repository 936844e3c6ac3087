"""Typed Okta errors, each carrying a remedy sentence an admin can act on.

Okta's error body is `{errorCode, errorSummary, errorLink, errorId, errorCauses[]}`; we branch
on `errorCode` only (DESIGN §4.2), keep `X-Okta-Request-Id` for support, and never put a
secret in a message: nothing here ever sees a token, a password or a private key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# What each client operation needs: (OAuth scope, admin role that allows it). A 403 E0000006
# names both, because a service app needs the scope *and* a role, and an API token carries the
# role of the admin who created it.
_APPS_ADMIN = "Application Administrator"
_GROUPS_ADMIN = "Group Administrator"
_ORG_ADMIN = "Organization Administrator"
_READ_ONLY = "Read-only Administrator"


@dataclass(frozen=True)
class Permission:
    scope: str
    role: str


OPERATION_PERMISSIONS: dict[str, Permission] = {
    "get_org": Permission("okta.orgs.read", _READ_ONLY),
    "get_me": Permission("okta.users.read", _READ_ONLY),
    "list_user_roles": Permission("okta.roles.read", _READ_ONLY),
    "find_app_by_label": Permission("okta.apps.read", _READ_ONLY),
    "list_apps": Permission("okta.apps.read", _READ_ONLY),
    "get_app": Permission("okta.apps.read", _READ_ONLY),
    "create_saml_app": Permission("okta.apps.manage", _APPS_ADMIN),
    "deactivate_app": Permission("okta.apps.manage", _APPS_ADMIN),
    "delete_app": Permission("okta.apps.manage", _APPS_ADMIN),
    "get_user_provisioning_feature": Permission("okta.apps.read", _READ_ONLY),
    "find_group_by_name": Permission("okta.groups.read", _READ_ONLY),
    "get_group": Permission("okta.groups.read", _READ_ONLY),
    "list_group_users": Permission("okta.groups.read", _READ_ONLY),
    # Creating groups is beyond a Group Administrator: it takes an Organization Administrator.
    "create_group": Permission("okta.groups.manage", _ORG_ADMIN),
    "delete_group": Permission("okta.groups.manage", _ORG_ADMIN),
    "add_user_to_group": Permission("okta.groups.manage", _GROUPS_ADMIN),
    "remove_user_from_group": Permission("okta.groups.manage", _GROUPS_ADMIN),
    "find_user": Permission("okta.users.read", _READ_ONLY),
    "get_user": Permission("okta.users.read", _READ_ONLY),
    "create_user": Permission("okta.users.manage", _ORG_ADMIN),
    "deactivate_user": Permission("okta.users.manage", _ORG_ADMIN),
    "delete_user": Permission("okta.users.manage", _ORG_ADMIN),
    "get_app_user_schema": Permission("okta.schemas.read", _READ_ONLY),
    "assign_group": Permission("okta.apps.manage", _APPS_ADMIN),
    "get_app_group_assignment": Permission("okta.apps.read", _READ_ONLY),
    "remove_group_assignment": Permission("okta.apps.manage", _APPS_ADMIN),
    "list_app_users": Permission("okta.apps.read", _READ_ONLY),
    "list_app_groups": Permission("okta.apps.read", _READ_ONLY),
    "query_provisioning_failures": Permission("okta.logs.read", _READ_ONLY),
    # The paged reads doctor and reconcile use (one page at a time).
    "get_default_connection": Permission("okta.apps.read", _READ_ONLY),
    "app_pages": Permission("okta.apps.read", _READ_ONLY),
    "app_user_pages": Permission("okta.apps.read", _READ_ONLY),
    "group_user_pages": Permission("okta.groups.read", _READ_ONLY),
    "provisioning_failure_pages": Permission("okta.logs.read", _READ_ONLY),
    "provisioning_failures": Permission("okta.logs.read", _READ_ONLY),
    # The canary (issue 14): a user's profile is edited and put back; mappings are read if allowed.
    "update_user_profile": Permission("okta.users.manage", _GROUPS_ADMIN),
    "get_app_user": Permission("okta.apps.read", _READ_ONLY),
    "list_profile_mappings": Permission("okta.profileMappings.read", _READ_ONLY),
    "get_profile_mapping": Permission("okta.profileMappings.read", _READ_ONLY),
    "query_user_provisioning_failures": Permission("okta.logs.read", _READ_ONLY),
}
# Client methods that are plumbing, not Okta operations.
NOT_OPERATIONS = frozenset({"aclose", "iter_pages", "one_run", "polling", "forget_reads"})

# Human names for operations, so a remedy says "creating the group", not "create_group".
OPERATION_TEXT: dict[str, str] = {
    "get_org": "reading the org settings",
    "get_me": "reading the signed-in admin",
    "list_user_roles": "reading the admin's roles",
    "find_app_by_label": "searching apps",
    "list_apps": "listing apps",
    "get_app": "reading the app",
    "create_saml_app": "creating the SAML app",
    "deactivate_app": "deactivating the app",
    "delete_app": "deleting the app",
    "get_user_provisioning_feature": "reading the app's provisioning settings",
    "find_group_by_name": "searching groups",
    "get_group": "reading the group",
    "list_group_users": "listing the group's members",
    "create_group": "creating the group",
    "delete_group": "deleting the group",
    "add_user_to_group": "adding the user to the group",
    "remove_user_from_group": "removing the user from the group",
    "find_user": "looking up the user",
    "get_user": "reading the user",
    "create_user": "creating the user",
    "deactivate_user": "deactivating the user",
    "delete_user": "deleting the user",
    "get_app_user_schema": "reading the app's user schema",
    "assign_group": "assigning the group to the app",
    "get_app_group_assignment": "reading the group assignment",
    "remove_group_assignment": "removing the group assignment",
    "list_app_users": "listing the app's users",
    "list_app_groups": "listing the app's groups",
    "query_provisioning_failures": "reading the System Log",
    "update_user_profile": "changing the user's profile (the canary)",
    "get_app_user": "reading the user's app assignment",
    "list_profile_mappings": "listing the app's profile mappings",
    "get_profile_mapping": "reading the app's profile mapping",
    "query_user_provisioning_failures": "reading the System Log for the user",
    "oauth_token": "getting an OAuth access token",
}


def describe(operation: str | None) -> str:
    return OPERATION_TEXT.get(operation or "", "calling the Okta API")


class OktaError(Exception):
    """Anything that went wrong talking to Okta. `str()` is summary + remedy, never a secret."""

    default_remedy = "Try again; if it keeps failing, give Okta support the request id."

    def __init__(
        self,
        summary: str,
        *,
        remedy: str | None = None,
        status: int | None = None,
        error_code: str | None = None,
        causes: list[str] | None = None,
        request_id: str | None = None,
        error_id: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.summary = summary
        self.remedy = remedy or self.default_remedy
        self.status = status
        self.error_code = error_code
        self.causes = list(causes or [])
        self.request_id = request_id
        self.error_id = error_id
        self.operation = operation
        super().__init__(self._text())

    def _text(self) -> str:
        code = " ".join(str(p) for p in (self.status, self.error_code) if p)
        head = f"Okta error while {describe(self.operation)}"
        head += f" ({code})" if code else ""
        cause = f" Causes: {'; '.join(c.rstrip('. ') for c in self.causes)}." if self.causes else ""
        rid = f" [request id {self.request_id}]" if self.request_id else ""
        summary = self.summary.rstrip(". ")
        return f"{head}: {summary}.{cause} {self.remedy}{rid}"


class OktaAuthError(OktaError):
    """401: the token or client credentials were not accepted."""

    default_remedy = (
        "Okta did not accept the credentials. If you use an API token, it may be mistyped, "
        "revoked, or expired (tokens expire after 30 days unused): create a new one in the Admin "
        "Console under Security → API → Tokens. If you use an OAuth service app, check its "
        "client ID and that its public key is registered."
    )


class OktaPermissionError(OktaError):
    """403 E0000006: a scope or admin role is missing for this call."""

    def __init__(self, summary: str, *, operation: str | None = None, **kwargs: Any) -> None:
        self.permission = OPERATION_PERMISSIONS.get(operation or "")
        if self.permission is not None:
            remedy = (
                f"Okta refused {describe(operation)}: the credentials lack the "
                f"{self.permission.scope} scope or an admin role that allows it "
                f"({self.permission.role} or higher). For an OAuth service app, grant "
                f"{self.permission.scope} on its Okta API Scopes tab and assign it that role; for "
                "an API token, create the token as an admin who holds that role."
            )
        else:
            remedy = (
                f"Okta refused {describe(operation)}: a scope or admin role is missing. Grant the "
                "service app the okta.*.manage scopes and an admin role, or use an API token "
                "created by a Super Administrator."
            )
        kwargs.setdefault("remedy", remedy)
        super().__init__(summary, operation=operation, **kwargs)


class OktaFeatureNotEnabledError(OktaError):
    """E0000015: the org lacks the feature (for the wizard: custom SAML app integrations).
    Real Okta answers it with HTTP 401 (recorded): it is not an expired or refused token."""

    default_remedy = (
        "This Okta org does not have the feature needed to create a custom SAML 2.0 app "
        "integration. Ask Okta (or your Okta account team) to enable it; custom SCIM apps also "
        "need Lifecycle Management."
    )

    def __init__(self, summary: str, *, operation: str | None = None, **kwargs: Any) -> None:
        if operation not in (None, "create_saml_app"):
            kwargs.setdefault(
                "remedy",
                f"Okta answered that this org does not have the feature needed for {describe(operation)} "
                "(E0000015; the credentials themselves were accepted). Ask Okta or your Okta account "
                "team to enable it; custom SCIM apps need Lifecycle Management.",
            )
        super().__init__(summary, operation=operation, **kwargs)


class OktaRateLimitError(OktaError):
    """429 E0000047 after the client's own waiting ran out."""

    default_remedy = (
        "Okta's rate limit for this API is used up and waiting did not help. Wait a minute and "
        "retry, or run the wizard when fewer integrations are calling the Okta API."
    )

    def __init__(self, summary: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(summary, **kwargs)


class OktaPasswordPolicyError(OktaError):
    """The org's password policy refused the password. Real Okta says so with 400 E0000001 and a
    `password: …` cause (recorded; Okta's 2018.09 release notes show the same); E0000080 is
    Okta's code for a refused password *change*, kept for safety."""

    def __init__(self, summary: str, **kwargs: Any) -> None:
        causes = kwargs.get("causes") or []
        self.policy = "; ".join(_policy_text(c) for c in causes) or summary
        kwargs.setdefault(
            "remedy",
            f"Okta's password policy refused the test person's password: {self.policy.rstrip('.')}. "
            "Choose a password that meets it (step 18.2).",
        )
        super().__init__(summary, **kwargs)


class OktaMappedAttributeError(OktaError):
    """E0000075: an attribute in the assignment profile is mapped, so Okta will not take it."""

    def __init__(self, summary: str, **kwargs: Any) -> None:
        text = " ".join([summary, *(kwargs.get("causes") or [])])
        self.attribute = _quoted_attribute(text)
        name = self.attribute or "the attribute"
        kwargs.setdefault(
            "remedy",
            f"Okta already fills {name} from a profile mapping, so it cannot be set on the "
            "assignment. Assign the group without it; the mapping supplies the value.",
        )
        super().__init__(summary, **kwargs)


class OktaNotFoundError(OktaError):
    """404 E0000007."""

    default_remedy = (
        "The object no longer exists in Okta (it may have been deleted or the id is wrong). "
        "Run the step again so the wizard looks it up or recreates it."
    )


class OktaValidationError(OktaError):
    """400 E0000001: Okta refused the request body; `causes` says which field and why."""

    default_remedy = "Okta refused the values sent; the causes above say which field to change."

    def __init__(self, summary: str, **kwargs: Any) -> None:
        causes = kwargs.get("causes") or []
        if any("already exists" in c for c in causes):
            kwargs.setdefault(
                "remedy",
                "An object with that value already exists in Okta (for a user: the login is "
                "taken). Use the existing one, or choose a different value.",
            )
        super().__init__(summary, **kwargs)

    @property
    def is_duplicate(self) -> bool:
        return any("already exists" in c for c in self.causes)


class OktaServerError(OktaError):
    """5xx after retries, or a response that was not Okta's JSON."""

    default_remedy = (
        "Okta answered with a server error. Check https://status.okta.com, wait a little and "
        "run the step again; the wizard looks up before creating, so nothing is duplicated."
    )


class OktaUnsafeRequestError(OktaError):
    """The client refused to send credentials somewhere other than the org, or to follow a redirect."""

    default_remedy = (
        "The wizard only sends Okta credentials to the org URL you entered. Check that the org "
        "URL is your org's own address (not a vanity redirect), then try again."
    )


class OktaOAuthError(OktaError):
    """The org authorization server refused the service app's token request."""

    default_remedy = (
        "Okta refused the service app's token request. Check the client ID, that the app uses "
        "public/private key authentication with this key registered, and its granted scopes."
    )


# -- network errors (no HTTP response) -------------------------------------------------------


class OktaNetworkError(OktaError):
    default_remedy = "Check the network connection to Okta and try again."


class OktaTimeoutError(OktaNetworkError):
    default_remedy = (
        "Okta did not answer in time. Check the network (VPN, proxy) and try again; if the "
        "call was a create, the wizard looks the object up first, so nothing is duplicated."
    )


class OktaConnectError(OktaNetworkError):
    default_remedy = (
        "Could not connect to the Okta org. Check the org URL and DNS, and if you are behind a "
        "proxy set HTTPS_PROXY (and NO_PROXY for hosts that bypass it)."
    )


class OktaTLSError(OktaNetworkError):
    default_remedy = (
        "The TLS certificate presented for the Okta org was not trusted. If a corporate proxy "
        "inspects TLS, add its CA to the OS trust store or point SSL_CERT_FILE at a bundle "
        "that contains it; never disable verification."
    )


class OktaProxyError(OktaNetworkError):
    default_remedy = (
        "The HTTPS proxy refused or failed the connection to Okta. Check HTTPS_PROXY (host, "
        "port, credentials) and whether the proxy allows the Okta org host; set NO_PROXY if "
        "the org should be reached directly."
    )


class OktaConnectionDropped(OktaNetworkError):
    default_remedy = (
        "The connection to Okta closed before an answer arrived. Try again; if it repeats, a "
        "proxy or firewall may be cutting connections."
    )


# Failures that say nothing about the request or the credentials: Okta (or the path to it) did
# not answer properly this time. Rerunning is the remedy; there is no step to go back to.
TRANSIENT_ERRORS: tuple[type[OktaError], ...] = (
    OktaTimeoutError,
    OktaConnectionDropped,
    OktaServerError,
    OktaRateLimitError,
)


# -- building errors from responses ----------------------------------------------------------

_BY_CODE: dict[str, type[OktaError]] = {
    "E0000011": OktaAuthError,
    "E0000004": OktaAuthError,
    "E0000006": OktaPermissionError,
    "E0000015": OktaFeatureNotEnabledError,
    "E0000047": OktaRateLimitError,
    "E0000080": OktaPasswordPolicyError,
    "E0000075": OktaMappedAttributeError,
    "E0000007": OktaNotFoundError,
    "E0000001": OktaValidationError,
}


def error_from_response(
    status: int,
    body: Any,
    *,
    request_id: str | None,
    operation: str | None,
) -> OktaError:
    """Turn an error response into the matching `OktaError` subclass."""
    fields = body if isinstance(body, dict) else {}
    code = fields.get("errorCode") if isinstance(fields.get("errorCode"), str) else None
    summary = str(fields.get("errorSummary") or f"HTTP {status}")
    causes = [
        str(c.get("errorSummary"))
        for c in fields.get("errorCauses") or []
        if isinstance(c, dict) and c.get("errorSummary")
    ]
    cls = _BY_CODE.get(code or "")
    if cls is OktaValidationError and any(_is_password_cause(c) for c in causes):
        cls = OktaPasswordPolicyError
    if cls is None:
        if status == 401:
            cls = OktaAuthError
        elif status == 403:
            cls = OktaPermissionError
        elif status == 404:
            cls = OktaNotFoundError
        elif status == 429:
            cls = OktaRateLimitError
        elif status >= 500 or not fields:
            cls = OktaServerError
        else:
            cls = OktaError
    return cls(
        summary,
        status=status,
        error_code=code,
        causes=causes,
        request_id=request_id,
        error_id=fields.get("errorId") if isinstance(fields.get("errorId"), str) else None,
        operation=operation,
    )


def _is_password_cause(cause: str) -> bool:
    return cause.strip().lower().startswith(("password:", "credentials.password"))


def _policy_text(cause: str) -> str:
    head, sep, rest = cause.partition(":")
    return rest.strip() if sep and head.strip().lower() in ("password", "credentials.password") else cause


def _quoted_attribute(text: str) -> str | None:
    # Okta says "Cannot modify the locale attribute because it has a field mapping…".
    for pattern in (_ATTRIBUTE_BEFORE, _ATTRIBUTE_AFTER):
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


_ATTRIBUTE_BEFORE = re.compile(r"the ['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]? (?:attribute|property)")
_ATTRIBUTE_AFTER = re.compile(r"(?:attribute|property):? ['\"]?([A-Za-z_][A-Za-z0-9_]*)")
