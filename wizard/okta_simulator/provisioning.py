"""Okta's side of SCIM provisioning, as the simulator plays it (DESIGN §4.3).

A single worker thread takes push and deactivate jobs in order, calls the configured SCIM
base URL with `Authorization: Bearer <token>`, and records the outcome on the app user
(`status`, `syncState`, `externalId`) and in the System Log. `settle()` waits until the queue
is empty, so tests are deterministic without sleeping.
"""

from __future__ import annotations

import json
import queue
import threading
from typing import Any
from urllib.parse import quote

import httpx

from wizard.okta_simulator.mappings import pushed_extras
from wizard.okta_simulator.tenant import ScimConnection, Tenant, iso
from wizard.plain_http import shared_context

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
# Okta sends a random password on create; the SCIM app ignores it for SSO-less setups.
PLACEHOLDER_PASSWORD = "Sim-Placeholder-Pa55word!"


class ScimAuthFailure(Exception):
    def __init__(self, message: str, remote: str = "") -> None:
        super().__init__(message)
        self.remote = remote  # what the SCIM server itself said


class ScimCallFailure(Exception):
    pass


class Provisioner:
    def __init__(self, tenant: Tenant, *, timeout: float = 10.0) -> None:
        self.tenant = tenant
        self._jobs: queue.Queue[tuple[str, str, str | None] | None] = queue.Queue()
        self.delay = 0.0  # seconds of tenant clock between a change and its push
        self._held: list[tuple[float, tuple[str, str, str | None]]] = []
        self._held_lock = threading.Lock()
        # The simulator must never pick up a proxy from the environment meant for the client.
        self._http = httpx.Client(
            timeout=timeout, trust_env=False, follow_redirects=False, verify=shared_context()
        )
        self._thread = threading.Thread(target=self._run, name="okta-sim-provisioning", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=5)
        self._http.close()

    def settle(self, timeout: float = 10.0) -> None:
        """Block until every queued provisioning job (and every delayed one now due) has finished."""
        self.release_due()
        done = threading.Event()

        def wait() -> None:
            self._jobs.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        if not done.wait(timeout):
            raise TimeoutError("Provisioning jobs did not finish in time")

    # -- queueing ------------------------------------------------------------------------------
    def push(self, app_id: str, user_id: str) -> None:
        self._enqueue(("push", app_id, user_id))

    def deactivate(self, app_id: str, user_id: str) -> None:
        self._enqueue(("deactivate", app_id, user_id))

    def push_profile(self, app_id: str, user_id: str) -> None:
        """A profile change of an assigned user (Update User Attributes)."""
        self._enqueue(("push_profile", app_id, user_id))

    def _enqueue(self, job: tuple[str, str, str | None]) -> None:
        # With a delay, a job waits until the tenant's clock reaches its due time and `settle()`
        # releases it: deterministic "Okta took N seconds" under a test's ManualClock.
        if self.delay > 0:
            with self._held_lock:
                self._held.append((self.tenant.clock() + self.delay, job))
        else:
            self._jobs.put(job)

    def release_due(self) -> None:
        with self._held_lock:
            now = self.tenant.clock()
            due = [job for at, job in self._held if at <= now]
            self._held = [(at, job) for at, job in self._held if at > now]
        for job in due:
            self._jobs.put(job)

    def test_connection(self, connection: ScimConnection) -> tuple[bool, str]:
        """What "Test Connector Configuration" does: `GET /Users?startIndex=1&count=2`."""
        try:
            response = self._call(connection, "GET", "/Users", params={"startIndex": 1, "count": 2})
        except (ScimAuthFailure, ScimCallFailure) as exc:
            return False, str(exc)
        if not isinstance(response.get("totalResults"), int):
            return False, "The SCIM server's ListResponse has no integer totalResults"
        return True, "Connector configured successfully"

    # -- worker --------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                kind, app_id, user_id = job
                if kind == "push" and user_id:
                    self._push(app_id, user_id)
                elif kind == "deactivate" and user_id:
                    self._deactivate(app_id, user_id)
                elif kind == "push_profile" and user_id:
                    self._push_profile(app_id, user_id)
            except Exception as exc:  # a bug here must not kill the worker
                self.tenant.log(
                    "application.provision.user.push",
                    "Simulator error",
                    result="FAILURE",
                    reason=f"simulator error: {type(exc).__name__}",
                    targets=[self.tenant.app_target(job[1])] if job else [],
                    severity="ERROR",
                )
            finally:
                self._jobs.task_done()

    def _snapshot(
        self, app_id: str, user_id: str
    ) -> tuple[ScimConnection, dict[str, Any], dict[str, Any]] | None:
        with self.tenant.lock:
            settings = self.tenant.app_settings.get(app_id)
            app_user = self.tenant.app_users.get(app_id, {}).get(user_id)
            user = self.tenant.users.get(user_id)
            if settings is None or settings.connection is None or app_user is None or user is None:
                return None
            profile = dict(user["profile"])
            app_profile = {**pushed_extras(settings.push_mapping, profile), **(app_user.get("profile") or {})}
            return settings.connection, profile, app_profile

    def _push(self, app_id: str, user_id: str) -> None:
        snap = self._snapshot(app_id, user_id)
        if snap is None:
            return
        connection, profile, app_profile = snap
        login = str(profile["login"])
        body = scim_user(user_id, profile, app_profile)
        try:
            found = self._call(
                connection,
                "GET",
                "/Users",
                params={"filter": f'userName eq "{login}"', "startIndex": 1, "count": 100},
            )
            resources = found.get("Resources") or []
            if resources:
                external_id = str(resources[0]["id"])
                if self._setting(app_id, "to_app_update"):
                    self._call(
                        connection,
                        "PUT",
                        f"/Users/{quote(external_id, safe='')}",
                        json={**body, "id": external_id},
                    )
            else:
                created = self._call(connection, "POST", "/Users", json=body)
                external_id = str(created["id"])
        except ScimAuthFailure as exc:
            self._failed(app_id, user_id, str(exc), auth=True, remote=exc.remote)
            return
        except (ScimCallFailure, KeyError, TypeError) as exc:
            self._failed(app_id, user_id, str(exc) or type(exc).__name__, auth=False)
            return
        with self.tenant.lock:
            app_user = self.tenant.app_users.get(app_id, {}).get(user_id)
            if app_user is not None:
                now = iso(self.tenant.clock())
                app_user.update(
                    externalId=external_id,
                    status="PROVISIONED",
                    syncState="SYNCHRONIZED",
                    lastSync=now,
                    statusChanged=now,
                    lastUpdated=now,
                )
            self.tenant.log(
                "application.provision.user.push",
                f"Push new user to {self.tenant.app_target(app_id)['displayName']}",
                result="SUCCESS",
                targets=[self.tenant.app_target(app_id), self.tenant.user_target(user_id)],
            )

    def _push_profile(self, app_id: str, user_id: str) -> None:
        """Okta's profile push to a custom SCIM app: read the user by its id, then a full PUT."""
        snap = self._snapshot(app_id, user_id)
        with self.tenant.lock:
            external_id = (self.tenant.app_users.get(app_id, {}).get(user_id) or {}).get("externalId")
        if snap is None or not external_id:
            return
        connection, profile, app_profile = snap
        path = f"/Users/{quote(str(external_id), safe='')}"
        try:
            self._call(connection, "GET", path)
            self._call(
                connection, "PUT", path, json={**scim_user(user_id, profile, app_profile), "id": external_id}
            )
        except ScimAuthFailure as exc:
            self._failed(app_id, user_id, str(exc), auth=True, event="push_profile", remote=exc.remote)
            return
        except ScimCallFailure as exc:
            self._failed(app_id, user_id, str(exc), auth=False, event="push_profile")
            return
        with self.tenant.lock:
            app_user = self.tenant.app_users.get(app_id, {}).get(user_id)
            if app_user is not None:
                now = iso(self.tenant.clock())
                app_user.update(syncState="SYNCHRONIZED", lastSync=now, lastUpdated=now)
            self.tenant.log(
                "application.provision.user.push_profile",
                f"Push user profile update to {self.tenant.app_target(app_id)['displayName']}",
                result="SUCCESS",
                targets=[self.tenant.app_target(app_id), self.tenant.user_target(user_id)],
            )

    def _deactivate(self, app_id: str, user_id: str) -> None:
        with self.tenant.lock:
            app_user = self.tenant.app_users.get(app_id, {}).pop(user_id, None)
            settings = self.tenant.app_settings.get(app_id)
            user = self.tenant.users.get(user_id)
            external_id = (app_user or {}).get("externalId")
            if not (settings and settings.connection and settings.to_app_deactivate and external_id and user):
                return
            connection = settings.connection
            body = {
                **scim_user(user_id, dict(user["profile"]), dict(app_user.get("profile") or {})),
                "id": external_id,
                "active": False,
            }
        try:
            # Okta deactivates custom SCIM app users with a full PUT, never DELETE.
            self._call(connection, "PUT", f"/Users/{quote(str(external_id), safe='')}", json=body)
        except (ScimAuthFailure, ScimCallFailure) as exc:
            self._failed(app_id, user_id, str(exc), auth=isinstance(exc, ScimAuthFailure), event="deactivate")
            return
        with self.tenant.lock:
            self.tenant.log(
                "application.provision.user.deactivate",
                "Deactivate user in app",
                result="SUCCESS",
                targets=[self.tenant.app_target(app_id), self.tenant.user_target(user_id)],
            )

    def _setting(self, app_id: str, name: str) -> bool:
        with self.tenant.lock:
            settings = self.tenant.app_settings.get(app_id)
            return bool(settings and getattr(settings, name))

    def _failed(
        self,
        app_id: str,
        user_id: str,
        reason: str,
        *,
        auth: bool,
        event: str = "push",
        remote: str | None = None,
    ) -> None:
        """Sync ERROR on the app user and Okta's System Log events. With `remote` (what the SCIM
        server answered to a 401/403) the push event carries Okta's own task text."""
        with self.tenant.lock:
            app_user = self.tenant.app_users.get(app_id, {}).get(user_id)
            if app_user is not None:
                app_user.update(syncState="ERROR", lastUpdated=iso(self.tenant.clock()))
            targets = [self.tenant.app_target(app_id), self.tenant.user_target(user_id)]
            if auth:
                self.tenant.log(
                    "application.integration.authentication_failure",
                    "Authentication failed for the app's SCIM connection",
                    result="FAILURE",
                    reason=reason,
                    targets=targets[:1],
                    severity="ERROR",
                )
            if remote is not None:
                reason = okta_task_message(event, targets, remote)
            self.tenant.log(
                f"application.provision.user.{event}",
                f"Automatic provisioning of user to app failed ({event})",
                result="FAILURE",
                reason=reason,
                targets=targets,
                severity="WARN",
            )

    def _call(self, connection: ScimConnection, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {connection.token.get_secret_value()}",
            "Accept": "application/scim+json",
            "User-Agent": "Okta SCIM Client 1.0.0 (simulated)",
        }
        if "json" in kwargs:
            headers["Content-Type"] = "application/scim+json"
            kwargs["content"] = json.dumps(kwargs.pop("json")).encode()
        try:
            response = self._http.request(
                method, connection.base_url.rstrip("/") + path, headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            raise ScimCallFailure(f"Could not reach the SCIM server: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            where = f"{method} {path.split('?')[0]}"
            detail = _scim_detail(response)
            raise ScimAuthFailure(
                f"Authentication failed: the SCIM server answered {response.status_code} to {where}"
                + (f" ({detail})" if detail else ""),
                detail or ("Unauthorized" if response.status_code == 401 else "Forbidden"),
            )
        if response.status_code >= 400:
            detail = _scim_detail(response)
            raise ScimCallFailure(
                f"{method} {path.split('?')[0]} failed with {response.status_code}: {detail}"
            )
        if not response.content:
            return {}
        try:
            data = response.json()
        except ValueError:
            raise ScimCallFailure(f"{method} {path} answered {response.status_code} without JSON") from None
        return data if isinstance(data, dict) else {}


def scim_user(user_id: str, profile: dict[str, Any], app_profile: dict[str, Any]) -> dict[str, Any]:
    first, last = profile.get("firstName") or "", profile.get("lastName") or ""
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": profile["login"],
        "name": {"givenName": first, "familyName": last},
        "emails": [{"primary": True, "value": profile.get("email") or profile["login"], "type": "work"}],
        "displayName": f"{first} {last}".strip() or profile["login"],
        "externalId": user_id,
        "active": True,
        "password": PLACEHOLDER_PASSWORD,
    }
    locale = app_profile.get("locale") or profile.get("locale")
    if locale:
        body["locale"] = locale
    language = app_profile.get("preferredLanguage") or profile.get("preferredLanguage")
    if language:
        body["preferredLanguage"] = language
    for scim_attr in ("title", "nickName"):  # filled from the profile mapping (mappings.py)
        if app_profile.get(scim_attr):
            body[scim_attr] = app_profile[scim_attr]
    return body


def okta_task_message(event: str, targets: list[dict[str, Any]], remote: str) -> str:
    """The text Okta shows in Dashboard › Tasks and the System Log when the SCIM server refuses
    its credentials: "<Okta's message>: <the server's message>". The create form is seen in
    Okta's support articles ("Automatic provisioning of user <user> to app <app> failed: Error
    while verifying if user <user> exists: Unauthorized. Errors reported by remote server: …");
    the profile-push wording is our assumption in the same shape (no recording shows one)."""
    app, user = targets[0]["displayName"], targets[1]
    if event == "push_profile":
        okta_part = (
            f"Automatic profile push of user {user['displayName']} to app {app} failed: "
            f"Error while updating user {user['alternateId']}"
        )
    else:
        okta_part = (
            f"Automatic provisioning of user {user['displayName']} to app {app} failed: "
            f"Error while verifying if user {user['alternateId']} exists"
        )
    return f"{okta_part}: Unauthorized. Errors reported by remote server: {remote}"


def _scim_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:120]
    return str(data.get("detail") or data)[:200] if isinstance(data, dict) else str(data)[:200]
