"""The async Okta Management API client the step engine uses (DESIGN §4).

One `httpx.AsyncClient`, one request in flight, credentials only ever sent to the validated
org host, redirects never followed. 429s wait for the window's reset; 5xx and timeouts are
retried with backoff for GET, PUT and DELETE only: a POST is never repeated blindly, the caller
looks up first. A 401 E0000015 (feature not enabled) is an answer, not an expired token: it is
never followed by a token refresh or a second send.
There is deliberately no method that PUTs the app object: that wipes the SCIM settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import os
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from wizard import __version__
from wizard.bounded import AnswerTooLarge, MalformedJson, body_limit, decode_json, looks_like_html
from wizard.netcheck import (
    OFFLINE_CAUSE,
    OFFLINE_FIX,
    looks_like_dns_failure,
    nothing_resolves,
    without_errno,
)
from wizard.okta import errors as E
from wizard.okta.auth import (
    CLIENT_ASSERTION_TYPE,
    TOKEN_PATH,
    ApiTokenAuth,
    Auth,
    DPoPKey,
    OAuthServiceAuth,
)
from wizard.okta.domains import OrgUrl
from wizard.okta.pacing import (
    RETRYABLE_METHODS,
    Clock,
    RateLimitState,
    RetryPolicy,
    Sleep,
    pause_before_next,
    rate_limit_state,
    wait_after_429,
)
from wizard.okta.payloads import (
    DEFAULT_ASSIGNMENT_PROFILE,
    filter_literal,
    saml_app_body,
    user_body,
)
from wizard.okta.unusable import (
    OktaAnswerTooLarge,
    OktaHtmlAnswer,
    OktaMalformedAnswer,
    OktaRedirectError,
)
from wizard.plain_http import is_plain_http, shared_context

PAGE_LIMIT = 200
# Okta's largest pages (DESIGN §8): app users 500, group members 1000, System Log 1000.
APP_USERS_PAGE_LIMIT = 500
GROUP_USERS_PAGE_LIMIT = 1000
LOG_PAGE_LIMIT = 1000
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# 401 answers that say nothing about the access token: refreshing it cannot help, and the
# request must not be sent again (real Okta answers E0000015 with 401).
NOT_TOKEN_PROBLEMS = frozenset({"E0000015", "E0000006"})
# Within one run (`one_run()`), a read answered less than this many seconds ago is reused; any
# write drops every cached read, and polls always ask again.
READ_CACHE_SECONDS = 60.0
# Refresh an OAuth access token this long before Okta says it expires.
TOKEN_EXPIRY_MARGIN = 120.0
PROVISIONING_EVENT_FILTER = '(eventType sw "application.provision" or eventType sw "application.integration")'


@dataclass(frozen=True)
class Page:
    """One page of a list, and the `next` link Okta gave after it (None on the last page)."""

    items: list[dict[str, Any]]
    next_url: str | None


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange, for the call log. No bodies, no headers: nothing secret."""

    method: str
    path: str
    status: int | None
    duration: float
    request_id: str | None
    operation: str
    attempt: int = 1
    error: str | None = None
    poll: bool = False  # made while waiting for a change (console detection, step 24)


def default_ssl_context() -> ssl.SSLContext:
    """The OS trust store (truststore), plus `SSL_CERT_FILE` when set (e.g. a proxy's CA).

    One per process for each CA file (and its version on disk): building one reads the trust
    store, about 20 ms of CPU, and each Okta client used to build its own."""
    cafile = os.environ.get("SSL_CERT_FILE")
    if cafile and os.path.isfile(cafile):
        stat = os.stat(cafile)
        return _trust_store_context(cafile, stat.st_mtime_ns, stat.st_size)
    return _trust_store_context(None, 0, 0)


@functools.lru_cache(maxsize=8)
def _trust_store_context(cafile: str | None, _mtime_ns: int, _size: int) -> ssl.SSLContext:
    import truststore

    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile=cafile)
    return ctx


class OktaClient:
    """Async Okta Management API client. Use as `async with OktaClient(org, auth) as okta:`."""

    def __init__(
        self,
        org: OrgUrl,
        auth: Auth,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.org = org
        self._auth = auth
        self._clock = clock
        self._sleep = sleep
        self.retry = retry or RetryPolicy()
        self.call_log: list[CallRecord] = []
        # Every error this client raised, newest last (bounded): the commands name the real cause
        # of a failed step from it (a redirect, a web page, TLS…), whatever the step made of it.
        self.errors: list[E.OktaError] = []
        self._lock = asyncio.Lock()
        self._reads: dict[tuple[str, str], tuple[float, Any]] = {}
        self._caching = False
        self._polling = False
        self._limits: dict[str, tuple[RateLimitState, float]] = {}
        self._dpop = DPoPKey() if isinstance(auth, OAuthServiceAuth) else None
        self._token: SecretStr | None = None
        self._token_type = "Bearer"
        self._token_expires = 0.0
        # The token endpoint and the API each hand out their own DPoP nonce, when they want one.
        self._token_nonce: str | None = None
        self._api_nonce: str | None = None
        verify: ssl.SSLContext | bool = True
        if not org.is_loopback:
            verify = ssl_context or default_ssl_context()
        elif ssl_context is not None:
            verify = ssl_context
        elif is_plain_http(org.base_url):
            verify = shared_context()
        self._http = httpx.AsyncClient(
            base_url=org.base_url,
            verify=verify,
            trust_env=True,
            follow_redirects=False,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": f"okta-kandji-setup/{__version__}"},
            # Every body is read by body_limit, in a stream, and refused past its cap.
            event_hooks={"request": [self._refuse_foreign_credentials], "response": [body_limit()]},
        )

    # -- reads: cached within a run, fresh while polling ---------------------------------------------
    @contextlib.contextmanager
    def one_run(self) -> Iterator[None]:
        """A run (`apply`): each read is asked once, until a write drops what was read."""
        previous, self._caching = self._caching, True
        try:
            yield
        finally:
            self._caching = previous
            self._reads.clear()

    @contextlib.contextmanager
    def polling(self) -> Iterator[None]:
        """Reads inside ask Okta again (never the cache) and are logged as polls."""
        previous, self._polling = self._polling, True
        try:
            yield
        finally:
            self._polling = previous

    def forget_reads(self) -> None:
        """Drop every cached read (something may have changed outside this client)."""
        self._reads.clear()

    async def _cached(self, key: tuple[str, str], fetch: Callable[[], Awaitable[Any]]) -> Any:
        if not self._caching:
            return await fetch()
        now = self._clock()
        hit = self._reads.get(key)
        if hit is not None and not self._polling and now - hit[0] < READ_CACHE_SECONDS:
            value = hit[1]
            if isinstance(value, E.OktaError):
                raise value
            return copy.deepcopy(value)
        try:
            value = await fetch()
        except (E.OktaNotFoundError, E.OktaValidationError) as exc:
            # A definite answer to a read ("not there", "not enabled") is worth keeping too.
            self._reads[key] = (now, exc)
            raise
        self._reads[key] = (now, copy.deepcopy(value))
        return value

    # -- lifecycle -------------------------------------------------------------------------------
    async def __aenter__(self) -> OktaClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- org and identity ------------------------------------------------------------------------
    async def get_org(self) -> dict[str, Any]:
        return await self._json("GET", "/api/v1/org", operation="get_org")

    async def get_me(self) -> dict[str, Any]:
        """The admin who owns the API token. Service apps have no `me`: use `get_org`."""
        try:
            return await self._json("GET", "/api/v1/users/me", operation="get_me")
        except E.OktaNotFoundError as exc:
            raise E.OktaNotFoundError(
                exc.summary,
                status=exc.status,
                error_code=exc.error_code,
                request_id=exc.request_id,
                operation="get_me",
                remedy="These credentials belong to a service app, which has no signed-in user; "
                "use the org check (GET /api/v1/org) instead.",
            ) from None

    async def list_user_roles(self, user_id: str) -> list[dict[str, Any]]:
        """The admin roles assigned to a user (`type` such as SUPER_ADMIN, `label`, `status`,
        `assignmentType`). For an API token, `user_id` is the id `get_me` returned."""
        path = f"/api/v1/users/{_seg(user_id)}/roles"
        return await self._list(path, {}, operation="list_user_roles")

    # -- apps ------------------------------------------------------------------------------------
    async def find_app_by_label(self, label: str) -> dict[str, Any] | None:
        """The SAML 2.0 app whose label is exactly `label` (`q` is only a prefix match)."""
        params = {"q": label, "limit": PAGE_LIMIT}
        apps = await self._list("/api/v1/apps", params, operation="find_app_by_label")
        return next((a for a in apps if a.get("label") == label and a.get("signOnMode") == "SAML_2_0"), None)

    async def create_saml_app(self, label: str) -> dict[str, Any]:
        app = await self._json("POST", "/api/v1/apps", operation="create_saml_app", body=saml_app_body(label))
        if self._caching and isinstance(app.get("id"), str):
            # Okta's answer to the create is the app as a read would show it this instant.
            self._reads[(f"/api/v1/apps/{_seg(app['id'])}", "[]")] = (self._clock(), copy.deepcopy(app))
        return app

    async def get_app(self, app_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/api/v1/apps/{_seg(app_id)}", operation="get_app")

    async def get_user_provisioning_feature(self, app_id: str) -> dict[str, Any] | None:
        """To App settings, or None when Okta does not expose them for this app (best effort)."""
        try:
            return await self._json(
                "GET",
                f"/api/v1/apps/{_seg(app_id)}/features/USER_PROVISIONING",
                operation="get_user_provisioning_feature",
            )
        except (E.OktaValidationError, E.OktaNotFoundError):
            return None

    async def deactivate_app(self, app_id: str) -> None:
        await self._request(
            "POST", f"/api/v1/apps/{_seg(app_id)}/lifecycle/deactivate", operation="deactivate_app"
        )

    async def delete_app(self, app_id: str) -> None:
        """Okta deletes only inactive apps, so this deactivates first."""
        await self.deactivate_app(app_id)
        await self._request("DELETE", f"/api/v1/apps/{_seg(app_id)}", operation="delete_app")

    # -- groups ----------------------------------------------------------------------------------
    async def find_group_by_name(self, name: str) -> dict[str, Any] | None:
        """Exact `profile.name` match. Search is eventually consistent: a new group may lag."""
        params = {"search": f"profile.name eq {filter_literal(name)}", "limit": PAGE_LIMIT}
        groups = await self._list("/api/v1/groups", params, operation="find_group_by_name")
        return next((g for g in groups if g.get("profile", {}).get("name") == name), None)

    async def create_group(self, name: str, description: str) -> dict[str, Any]:
        body = {"profile": {"name": name, "description": description}}
        return await self._json("POST", "/api/v1/groups", operation="create_group", body=body)

    async def get_group(self, group_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/api/v1/groups/{_seg(group_id)}", operation="get_group")

    async def delete_group(self, group_id: str) -> None:
        await self._request("DELETE", f"/api/v1/groups/{_seg(group_id)}", operation="delete_group")

    async def list_group_users(self, group_id: str) -> list[dict[str, Any]]:
        path = f"/api/v1/groups/{_seg(group_id)}/users"
        return await self._list(path, {"limit": PAGE_LIMIT}, operation="list_group_users")

    async def add_user_to_group(self, group_id: str, user_id: str) -> None:
        await self._request(
            "PUT", f"/api/v1/groups/{_seg(group_id)}/users/{_seg(user_id)}", operation="add_user_to_group"
        )

    async def remove_user_from_group(self, group_id: str, user_id: str) -> None:
        await self._request(
            "DELETE",
            f"/api/v1/groups/{_seg(group_id)}/users/{_seg(user_id)}",
            operation="remove_user_from_group",
        )

    # -- users -----------------------------------------------------------------------------------
    async def find_user(self, login: str) -> dict[str, Any] | None:
        try:
            return await self._json("GET", f"/api/v1/users/{_seg(login)}", operation="find_user")
        except E.OktaNotFoundError:
            return None

    async def get_user(self, user_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/api/v1/users/{_seg(user_id)}", operation="get_user")

    async def create_user(
        self, profile: dict[str, Any], password: SecretStr, group_ids: list[str]
    ) -> dict[str, Any]:
        """Active user with the admin's password and no forced change at first login."""
        body = user_body(profile, password.get_secret_value(), group_ids)
        return await self._json(
            "POST", "/api/v1/users", operation="create_user", body=body, params={"activate": "true"}
        )

    async def update_user_profile(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Partial update (POST): only the given attributes change; None clears one."""
        path = f"/api/v1/users/{_seg(user_id)}"
        return await self._json("POST", path, operation="update_user_profile", body={"profile": changes})

    async def deactivate_user(self, user_id: str) -> None:
        """The first DELETE deactivates (Okta's rule); `delete_user` does both."""
        await self._request("DELETE", f"/api/v1/users/{_seg(user_id)}", operation="deactivate_user")

    async def delete_user(self, user_id: str) -> None:
        user = await self.get_user(user_id)
        if user.get("status") != "DEPROVISIONED":
            await self.deactivate_user(user_id)
        # A retried deactivation may already have deleted them: gone, as asked.
        with contextlib.suppress(E.OktaNotFoundError):
            await self._request("DELETE", f"/api/v1/users/{_seg(user_id)}", operation="delete_user")

    # -- schema, assignment, outcome -------------------------------------------------------------
    async def get_app_user_schema(self, app_id: str) -> dict[str, Any]:
        return await self._json(
            "GET", f"/api/v1/meta/schemas/apps/{_seg(app_id)}/default", operation="get_app_user_schema"
        )

    async def assign_group(
        self, app_id: str, group_id: str, profile: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Idempotent PUT. A mapped attribute raises `OktaMappedAttributeError` naming it."""
        body = {"profile": dict(DEFAULT_ASSIGNMENT_PROFILE if profile is None else profile)}
        return await self._json(
            "PUT", f"/api/v1/apps/{_seg(app_id)}/groups/{_seg(group_id)}", operation="assign_group", body=body
        )

    async def get_app_group_assignment(self, app_id: str, group_id: str) -> dict[str, Any] | None:
        try:
            return await self._json(
                "GET",
                f"/api/v1/apps/{_seg(app_id)}/groups/{_seg(group_id)}",
                operation="get_app_group_assignment",
            )
        except E.OktaNotFoundError:
            return None

    async def remove_group_assignment(self, app_id: str, group_id: str) -> None:
        await self._request(
            "DELETE",
            f"/api/v1/apps/{_seg(app_id)}/groups/{_seg(group_id)}",
            operation="remove_group_assignment",
        )

    async def list_app_users(self, app_id: str) -> list[dict[str, Any]]:
        path = f"/api/v1/apps/{_seg(app_id)}/users"
        return await self._list(path, {"limit": 500}, operation="list_app_users")

    async def get_app_user(self, app_id: str, user_id: str) -> dict[str, Any] | None:
        try:
            return await self._json(
                "GET", f"/api/v1/apps/{_seg(app_id)}/users/{_seg(user_id)}", operation="get_app_user"
            )
        except E.OktaNotFoundError:
            return None

    async def list_profile_mappings(self, target_id: str) -> list[dict[str, Any]]:
        """Profile mappings into the app (scope okta.profileMappings.read); ≤ 200 a page."""
        params = {"targetId": target_id, "limit": 200}
        return [m async for m in self._pages("/api/v1/mappings", params, operation="list_profile_mappings")]

    async def get_profile_mapping(self, mapping_id: str) -> dict[str, Any]:
        path = f"/api/v1/mappings/{_seg(mapping_id)}"
        return await self._json("GET", path, operation="get_profile_mapping")

    async def list_app_groups(self, app_id: str) -> list[dict[str, Any]]:
        path = f"/api/v1/apps/{_seg(app_id)}/groups"
        return await self._list(path, {"limit": PAGE_LIMIT}, operation="list_app_groups")

    async def query_provisioning_failures(
        self, app_id: str, since: datetime | str | None = None
    ) -> list[dict[str, Any]]:
        """System Log events about pushing users to the app and its connection, oldest first."""
        params: dict[str, Any] = {
            "filter": f"target.id eq {filter_literal(app_id)} and {PROVISIONING_EVENT_FILTER}",
            "limit": 100,
            "sortOrder": "ASCENDING",
        }
        if since is not None:
            params["since"] = _iso(since)
        events: list[dict[str, Any]] = []
        async for event in self._pages("/api/v1/logs", params, operation="query_provisioning_failures"):
            if event.get("outcome", {}).get("result") != "SUCCESS":
                events.append(event)
            # The System Log is a stream: an open-ended query keeps offering a `next` link.
            if len(events) >= 1000:
                break
        return events

    # -- bulk reads, page by page (doctor, reconcile) ---------------------------------------------
    def app_user_pages(
        self, app_id: str, *, limit: int = APP_USERS_PAGE_LIMIT, resume_url: str | None = None
    ) -> AsyncIterator[Page]:
        """The app's users, one page (up to 500, Okta's maximum) at a time; `resume_url` is a
        `next_url` an earlier run reached."""
        path = f"/api/v1/apps/{_seg(app_id)}/users"
        return self.iter_pages(path, {"limit": limit}, operation="list_app_users", resume_url=resume_url)

    def group_user_pages(self, group_id: str) -> AsyncIterator[Page]:
        path = f"/api/v1/groups/{_seg(group_id)}/users"
        return self.iter_pages(path, {"limit": GROUP_USERS_PAGE_LIMIT}, operation="list_group_users")

    def app_pages(self) -> AsyncIterator[Page]:
        """Every app integration in the org (to find the ones that look like Kandji's)."""
        return self.iter_pages("/api/v1/apps", {"limit": PAGE_LIMIT}, operation="list_apps")

    def provisioning_failure_pages(self, app_id: str, since: datetime | str) -> AsyncIterator[Page]:
        """System Log failures about pushing users to the app since `since`, oldest first, as
        large pages as Okta gives. The stream ends at the first short page (the log is
        open-ended: Okta keeps offering a `next` link)."""
        params: dict[str, Any] = {
            "filter": f"target.id eq {filter_literal(app_id)} and {PROVISIONING_EVENT_FILTER} "
            'and outcome.result eq "FAILURE"',
            "limit": LOG_PAGE_LIMIT,
            "sortOrder": "ASCENDING",
            "since": _iso(since),
        }
        return self.iter_pages("/api/v1/logs", params, operation="provisioning_failures", stop_short=True)

    async def get_default_connection(self, app_id: str) -> dict[str, Any] | None:
        """The app's provisioning connection (status, authScheme, baseUrl) when Okta answers it
        for this app, else None: documented for some apps only, so best effort."""
        try:
            return await self._json(
                "GET",
                f"/api/v1/apps/{_seg(app_id)}/connections/default",
                operation="get_default_connection",
            )
        except (E.OktaValidationError, E.OktaNotFoundError, E.OktaPermissionError):
            return None

    async def iter_pages(
        self,
        path: str,
        params: dict[str, Any],
        *,
        operation: str,
        resume_url: str | None = None,
        stop_short: bool = False,
    ) -> AsyncIterator[Page]:
        """Each page and the `next` link after it, following `Link: <…>; rel="next"` exactly as
        given; stops on an empty page, a link seen before, or (with `stop_short`) a page
        shorter than the limit asked for."""
        url: str | None = resume_url or path
        query: dict[str, Any] | None = None if resume_url else params
        seen: set[str] = set()
        wanted = int(params.get("limit") or 0)
        while url is not None:
            response = await self._request("GET", url, operation=operation, params=query)
            items = self._decode(response, operation)
            if not isinstance(items, list):
                raise self._noted(
                    E.OktaServerError("Okta answered a list request without a list", operation=operation)
                )
            nxt = response.links.get("next", {}).get("url")
            if not items or not nxt or nxt in seen or (stop_short and len(items) < wanted):
                nxt = None
            yield Page(items, nxt)
            if nxt is None:
                break
            seen.add(nxt)
            url, query = nxt, None

    async def query_user_provisioning_failures(
        self, user_id: str, since: datetime | str | None = None
    ) -> list[dict[str, Any]]:
        """System Log failures about pushing one user to any app, oldest first (the canary)."""
        params: dict[str, Any] = {
            "filter": f"target.id eq {filter_literal(user_id)} and {PROVISIONING_EVENT_FILTER}",
            "limit": 100,
            "sortOrder": "ASCENDING",
        }
        if since is not None:
            params["since"] = _iso(since)
        events: list[dict[str, Any]] = []
        async for event in self._pages("/api/v1/logs", params, operation="query_user_provisioning_failures"):
            if event.get("outcome", {}).get("result") != "SUCCESS":
                events.append(event)
            if len(events) >= 200:
                break
        return events

    # -- plumbing: pagination --------------------------------------------------------------------
    async def _list(self, path: str, params: dict[str, Any], *, operation: str) -> list[dict[str, Any]]:
        """Every item of a paged list (a cached read)."""

        async def fetch() -> list[dict[str, Any]]:
            return [item async for item in self._pages(path, params, operation=operation)]

        return await self._cached((path, repr(sorted(params.items()))), fetch)

    async def _pages(
        self, path: str, params: dict[str, Any], *, operation: str
    ) -> AsyncIterator[dict[str, Any]]:
        async for page in self.iter_pages(path, params, operation=operation):
            for item in page.items:
                yield item

    # -- plumbing: one request -------------------------------------------------------------------
    async def _json(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        async def fetch() -> dict[str, Any]:
            response = await self._request(method, path, operation=operation, body=body, params=params)
            data = self._decode(response, operation)
            if not isinstance(data, dict):
                raise self._noted(
                    E.OktaServerError("Okta answered without the expected JSON object", operation=operation)
                )
            return data

        if method != "GET":
            return await fetch()
        return await self._cached((path, repr(sorted((params or {}).items()))), fetch)

    def _noted(self, error: E.OktaError) -> E.OktaError:
        self.errors = [*self.errors[-49:], error]
        return error

    def _decode(self, response: httpx.Response, operation: str) -> Any:
        try:
            return _decode(response, operation)
        except E.OktaError as error:
            raise self._noted(error) from None

    async def _request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        async with self._lock:
            if method != "GET":
                self._reads.clear()  # a write may change what any read would answer
            try:
                return await self._request_locked(method, url, operation=operation, body=body, params=params)
            except E.OktaError as error:
                raise self._noted(error) from None
            finally:
                if method != "GET":
                    self._reads.clear()

    async def _request_locked(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        body: dict[str, Any] | None,
        params: dict[str, Any] | None,
    ) -> httpx.Response:
        bucket = _bucket(url)
        failures = 0
        rate_waits = 0
        reauthed = False
        while True:
            await self._pace(bucket)
            request = self._http.build_request(method, url, params=params, json=body)
            await self._authorize(request)
            try:
                response = await self._send(request, operation, attempt=failures + rate_waits + 1)
            except (E.OktaTimeoutError, E.OktaConnectError, E.OktaConnectionDropped):
                # Transient: worth another try for idempotent calls. TLS and proxy refusals are not.
                failures += 1
                if method not in RETRYABLE_METHODS or failures >= self.retry.max_attempts:
                    raise
                await self._sleep(self.retry.backoff(failures))
                continue
            state = rate_limit_state(response.headers, self._clock())
            if state.known:
                self._limits[bucket] = (state, self._clock())
            if response.status_code == 429:
                rate_waits += 1
                if rate_waits > self.retry.max_rate_limit_waits:
                    raise self._error(response, operation)
                self._limits.pop(bucket, None)
                await self._sleep(wait_after_429(state, self.retry))
                continue
            if response.status_code >= 500 and method in RETRYABLE_METHODS:
                failures += 1
                if failures < self.retry.max_attempts:
                    await self._sleep(self.retry.backoff(failures))
                    continue
            if method == "DELETE" and response.status_code == 404 and failures:
                # An earlier try that answered 5xx did delete it: the object is gone, as asked.
                return response
            if (
                response.status_code == 401
                and self._dpop is not None
                and not reauthed
                and _error_code(response) not in NOT_TOKEN_PROBLEMS
            ):
                # A DPoP nonce challenge, or a token revoked early: get a fresh one, once.
                reauthed = True
                nonce = response.headers.get("dpop-nonce")
                if nonce:
                    self._api_nonce = nonce
                else:
                    self._token = None
                continue
            if 300 <= response.status_code < 400:
                raise OktaRedirectError(response, operation)
            if response.status_code >= 400:
                raise self._error(response, operation)
            return response

    async def _pace(self, bucket: str) -> None:
        known = self._limits.get(bucket)
        if known is None:
            return
        state, seen_at = known
        wait = pause_before_next(state, self.retry) - (self._clock() - seen_at)
        if wait > 0:
            await self._sleep(wait)

    async def _send(self, request: httpx.Request, operation: str, *, attempt: int) -> httpx.Response:
        started = time.perf_counter()
        path = request.url.path
        try:
            response = await self._http.send(request)
            await response.aread()
        except E.OktaError:
            raise
        except httpx.HTTPError as exc:
            error = (
                OktaAnswerTooLarge(exc, operation)
                if isinstance(exc, AnswerTooLarge)
                else _network_error(exc, operation)
            )
            if isinstance(error, E.OktaConnectError) and looks_like_dns_failure(exc):
                error = await _dns_error(request.url.host, operation)
            self.call_log.append(
                CallRecord(
                    request.method,
                    path,
                    None,
                    time.perf_counter() - started,
                    None,
                    operation,
                    attempt,
                    type(error).__name__,
                    self._polling,
                )
            )
            raise error from None
        self.call_log.append(
            CallRecord(
                request.method,
                path,
                response.status_code,
                time.perf_counter() - started,
                response.headers.get("x-okta-request-id"),
                operation,
                attempt,
                poll=self._polling,
            )
        )
        return response

    def _error(self, response: httpx.Response, operation: str) -> E.OktaError:
        try:
            body = decode_json(response.content)
        except MalformedJson:
            body = None
        error = E.error_from_response(
            response.status_code,
            body,
            request_id=response.headers.get("x-okta-request-id"),
            operation=operation,
        )
        if isinstance(error, E.OktaRateLimitError):
            error.retry_after = rate_limit_state(response.headers, self._clock()).reset_in
        return error

    # -- plumbing: credentials -------------------------------------------------------------------
    async def _refuse_foreign_credentials(self, request: httpx.Request) -> None:
        """Event hook: Okta credentials go to the org host and nowhere else (DESIGN §6)."""
        carries = "authorization" in request.headers or "dpop" in request.headers
        origin = httpx.URL(self.org.base_url)
        same = (request.url.scheme, request.url.host, request.url.port) == (
            origin.scheme,
            origin.host,
            origin.port,
        )
        if carries and not same:
            raise E.OktaUnsafeRequestError(
                f"Refused to send Okta credentials to {request.url.host}, which is not the org host "
                f"{self.org.host}"
            )

    async def _authorize(self, request: httpx.Request) -> None:
        if isinstance(self._auth, ApiTokenAuth):
            request.headers["Authorization"] = self._auth.header()
            return
        token = await self._access_token()
        assert self._dpop is not None
        if self._token_type.lower() == "dpop":
            request.headers["Authorization"] = f"DPoP {token}"
            request.headers["DPoP"] = self._dpop.proof(
                request.method, str(request.url), self._clock(), nonce=self._api_nonce, access_token=token
            )
        else:
            request.headers["Authorization"] = f"Bearer {token}"

    async def _access_token(self) -> str:
        if self._token is not None and self._clock() < self._token_expires - TOKEN_EXPIRY_MARGIN:
            return self._token.get_secret_value()
        auth = self._auth
        assert isinstance(auth, OAuthServiceAuth) and self._dpop is not None
        token_url = self.org.base_url + TOKEN_PATH
        # Two budgets: a fresh DPoP nonce is asked for at most twice, and 429s are waited out
        # as often as the retry policy allows; running out of one must name that one.
        nonce_asks = rate_waits = 0
        while True:
            now = self._clock()
            request = self._http.build_request(
                "POST",
                token_url,
                data={
                    "grant_type": "client_credentials",
                    "scope": " ".join(auth.scopes),
                    "client_assertion_type": CLIENT_ASSERTION_TYPE,
                    "client_assertion": auth.client_assertion(token_url, now),
                },
                headers={"DPoP": self._dpop.proof("POST", token_url, now, nonce=self._token_nonce)},
            )
            response = await self._send(request, "oauth_token", attempt=1)
            # Something other than Okta's token endpoint answering says what it was.
            if 300 <= response.status_code < 400:
                raise OktaRedirectError(response, "oauth_token")
            if looks_like_html(response):
                raise OktaHtmlAnswer(response, "oauth_token")
            try:
                data = decode_json(response.content)
            except MalformedJson as why:
                if response.is_success:
                    raise OktaMalformedAnswer(response, "oauth_token", str(why)) from None
                data = {}
            if not isinstance(data, dict):
                data = {}
            if response.status_code == 400 and data.get("error") == "use_dpop_nonce":
                # RFC 9449 §8: Okta hands out a nonce on the first try; repeat with it.
                nonce_asks += 1
                if nonce_asks > 2:
                    break
                self._token_nonce = response.headers.get("dpop-nonce")
                continue
            if response.status_code == 429:
                rate_waits += 1
                if rate_waits > self.retry.max_rate_limit_waits:
                    raise self._error(response, "oauth_token")
                state = rate_limit_state(response.headers, self._clock())
                await self._sleep(wait_after_429(state, self.retry))
                continue
            if response.status_code != 200 or "access_token" not in data:
                raise _oauth_error(response.status_code, data, response.headers.get("x-okta-request-id"))
            self._token = SecretStr(str(data["access_token"]))
            self._token_type = str(data.get("token_type") or "Bearer")
            self._token_expires = now + float(data.get("expires_in") or 3600)
            return self._token.get_secret_value()
        raise E.OktaOAuthError(
            "Okta kept asking for a new DPoP nonce",
            operation="oauth_token",
            remedy="Okta did not accept the DPoP proof after retrying with its nonce. Check that "
            "this computer's clock is correct, then try again.",
        )


# -- helpers -------------------------------------------------------------------------------------


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = decode_json(response.content)
    except MalformedJson:
        return None
    code = body.get("errorCode") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _seg(value: str) -> str:
    """One URL path segment, fully escaped (a login may contain '@', '+' or '/')."""
    return quote(value, safe="")


def _bucket(url: str) -> str:
    """Okta keeps rate limits per endpoint family; approximate it by the first path segments."""
    path = httpx.URL(url).path
    return "/".join(path.split("/")[:4])


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _decode(response: httpx.Response, operation: str) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    if looks_like_html(response):
        raise OktaHtmlAnswer(response, operation)
    try:
        return decode_json(response.content)
    except MalformedJson as why:
        raise OktaMalformedAnswer(response, operation, str(why)) from None


async def _dns_error(host: str, operation: str) -> E.OktaConnectError:
    """One host that does not exist, or no name at all: offline is not a typo."""
    if await nothing_resolves():
        return E.OktaConnectError(
            f"{host} could not be looked up: no host name resolves",
            operation=operation,
            remedy=f"{OFFLINE_CAUSE} {OFFLINE_FIX}",
        )
    return E.OktaConnectError(
        f"{host} does not exist in DNS",
        operation=operation,
        remedy="Check the org URL for a typo: it is the address you sign in to Okta at, e.g. "
        "https://acme.okta.com (other names resolve, so this computer is online).",
    )


def _network_error(exc: httpx.HTTPError, operation: str) -> E.OktaNetworkError:
    text = _describe_exception(exc)
    if isinstance(exc, httpx.ProxyError) and "407" in text:
        return E.OktaProxyError(
            "The proxy asked for its own credentials (HTTP 407 Proxy Authentication Required)",
            operation=operation,
            remedy="A proxy between this computer and Okta wants its own credentials: put them in "
            "HTTPS_PROXY (ask IT for the proxy address), then retry.",
        )
    if isinstance(exc, httpx.ProxyError):
        return E.OktaProxyError(f"The proxy failed: {text}", operation=operation)
    if isinstance(exc, httpx.TimeoutException):
        kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the answer"
        return E.OktaTimeoutError(f"Timed out {kind}", operation=operation)
    if _is_tls_failure(exc):
        return E.OktaTLSError(f"TLS verification failed: {text}", operation=operation)
    if isinstance(exc, httpx.ConnectError):
        if os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy"):
            return E.OktaProxyError(f"Could not connect through the proxy: {text}", operation=operation)
        return E.OktaConnectError(f"Could not connect: {text}", operation=operation)
    if isinstance(exc, httpx.LocalProtocolError):
        # e.g. "Illegal header value b'SSWS …'": the text would repeat the credential.
        return E.OktaNetworkError(
            "The request was not sent: a header held characters HTTP does not allow",
            operation=operation,
            remedy="Check the Okta credentials for line breaks or stray characters and enter them again.",
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return E.OktaConnectionDropped(f"The connection was closed: {text}", operation=operation)
    return E.OktaNetworkError(f"Network error: {text}", operation=operation)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_exception(exc: BaseException) -> str:
    # httpx messages name hosts and reasons, never headers, so they are safe to show; the
    # operating system's "[Errno -2]" means nothing to an admin.
    return without_errno(str(exc)) or type(exc).__name__


def _oauth_error(status: int, data: dict[str, Any], request_id: str | None) -> E.OktaOAuthError:
    code = str(data.get("error") or f"HTTP {status}")
    description = str(data.get("error_description") or "the token request was refused")
    remedies = {
        "invalid_client": (
            "Okta did not accept the service app's client assertion: check the client ID, that "
            "the app's client authentication is 'Public key / Private key', and that the public "
            "key (and key ID, if set) matching this private key is registered on the app."
        ),
        "invalid_scope": (
            "The service app has not been granted every scope the wizard asks for. On the app's "
            "Okta API Scopes tab grant: okta.apps.read/manage, okta.groups.read/manage, "
            "okta.users.read/manage, okta.schemas.read, okta.logs.read, okta.orgs.read."
        ),
        "invalid_dpop_proof": (
            "Okta rejected the DPoP proof. Check that this computer's clock is correct, then try again."
        ),
        "unauthorized_client": (
            "The service app may not use the client credentials grant. In its General tab, "
            "allow the Client Credentials grant type."
        ),
    }
    return E.OktaOAuthError(
        f"{code}: {description}",
        status=status,
        error_code=code,
        request_id=request_id,
        operation="oauth_token",
        remedy=remedies.get(code),
    )
