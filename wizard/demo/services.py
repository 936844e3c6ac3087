"""The demo's embedded services: an Okta simulator and a Kandji-like SCIM server on loopback,
with credentials, a temporary state dir and an in-memory keyring (DESIGN §7, issue 5 §6).

>>> with DemoServices() as demo:                             # doctest: +SKIP
...     session = demo.open_session()
...     okta = await demo.open_okta()
...     ctx = demo.context(session, okta)

Nothing here touches the admin's real keyring or state: secrets live in a `SecretStore` backed
by `MemoryKeyring`, progress in a temporary directory removed on exit.
"""

from __future__ import annotations

import secrets as _random
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from wizard.demo.scim_server import ScimServer
from wizard.kandji.urls import KandjiUrl, parse_kandji_url
from wizard.memory_keyring import MemoryKeyring
from wizard.okta.domains import OrgUrl, parse_org_url
from wizard.okta_simulator import OktaSimulator
from wizard.secrets import Purpose, SecretStore
from wizard.state import SetupSettings, StateStore, TenantSession

if TYPE_CHECKING:
    from wizard.demo.seeding import SeededIntegration
    from wizard.engine.context import EngineContext
    from wizard.okta.client import OktaClient

DEMO_SUBDOMAIN = "demo"
# People who "already exist" in the demo Okta org, for the "my users already exist" path.
SEEDED_PEOPLE: tuple[tuple[str, str, str], ...] = (
    ("Ada", "Lovelace", "ada.lovelace@demo.example.com"),
    ("Grace", "Hopper", "grace.hopper@demo.example.com"),
    ("Alan", "Turing", "alan.turing@demo.example.com"),
)


@dataclass(frozen=True)
class DemoPerson:
    """The test person the demo suggests at step 17. The password meets the simulator's policy."""

    first_name: str
    last_name: str
    login: str
    password: SecretStr


@dataclass
class DemoConsole:
    """The demo's stand-in for the Okta Admin Console: each method does what the admin would
    click and type there, on the simulator's console-only settings. `actions` counts the
    admin's clicks and typed values, for the closing note's comparison with the manual way."""

    simulator: OktaSimulator
    actions: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _did(self, *what: str) -> None:
        with self._lock:
            self.actions.extend(what)

    def enable_scim(self, app_id: str) -> None:
        """General tab → Edit → tick "Enable SCIM provisioning" → Save (step 9)."""
        self.simulator.enable_scim_provisioning(app_id)
        self._did("click Edit", "tick Enable SCIM provisioning", "click Save")

    def configure_scim_connection(
        self, app_id: str, base_url: str, token: SecretStr | str
    ) -> tuple[bool, str]:
        """Provisioning → Integration → Edit: paste the base URL, type userName, tick Push New
        Users and Push Profile Updates, choose HTTP Header, paste the token, Test, Save (10.1–11)."""
        outcome = self.simulator.set_scim_connection(
            app_id,
            base_url,
            token if isinstance(token, SecretStr) else SecretStr(token),
            unique_id_field="userName",
            push_new_users=True,
            push_profile_updates=True,
            auth_mode="HTTP Header",
            test=True,
        )
        self._did(
            "click Edit",
            "paste SCIM connector base URL",
            "type userName",
            "tick Push New Users",
            "tick Push Profile Updates",
            "choose HTTP Header",
            "paste Bearer token",
            "click Test Connector Configuration",
            "click Close",
            "click Save",
        )
        return outcome

    def test_connector(self, app_id: str) -> tuple[bool, str]:
        """Provisioning → Integration → "Test Connector Configuration" with the saved values (11)."""
        tenant = self.simulator.tenant
        with tenant.lock:
            tenant.app(app_id)
            connection = tenant.app_settings[app_id].connection
        if connection is None:
            return False, "The SCIM connection has not been saved yet (step 10)."
        assert self.simulator.provisioner is not None
        self._did("click Test Connector Configuration", "click Close")
        return self.simulator.provisioner.test_connection(connection)

    def replace_bearer_token(self, app_id: str, token: SecretStr | str) -> tuple[bool, str]:
        """Provisioning → Integration → Edit: paste the new Bearer token, Test Connector
        Configuration, Save (step 10.5 after a rotation). Everything else stays as saved."""
        tenant = self.simulator.tenant
        with tenant.lock:
            tenant.app(app_id)
            saved = tenant.app_settings[app_id].connection
        if saved is None:
            return False, "The SCIM connection has not been saved yet (step 10)."
        outcome = self.simulator.set_scim_connection(
            app_id,
            saved.base_url,
            token if isinstance(token, SecretStr) else SecretStr(token),
            unique_id_field=saved.unique_id_field,
            push_new_users=saved.push_new_users,
            push_profile_updates=saved.push_profile_updates,
            import_new_users=saved.import_new_users,
            auth_mode=saved.auth_mode,
            test=True,
        )
        self._did(
            "click Edit",
            "paste Bearer token",
            "click Test Connector Configuration",
            "click Close",
            "click Save",
        )
        return outcome

    def retry_failed_tasks(self, app_id: str) -> list[str]:
        """Dashboard › Tasks: select the failed provisioning tasks, Retry Selected."""
        retried = self.simulator.retry_failed_pushes(app_id)
        if retried:
            self._did("open Dashboard › Tasks", "select the failed tasks", "click Retry Selected")
        return retried

    def enable_to_app(self, app_id: str) -> None:
        """Provisioning → To App → Edit: enable Create Users, Update User Attributes, Deactivate
        Users → Save (steps 12–14)."""
        self.simulator.set_to_app(app_id, create=True, update=True, deactivate=True)
        self._did(
            "click Edit",
            "tick Create Users",
            "tick Update User Attributes",
            "tick Deactivate Users",
            "click Save",
        )


class DemoServices:
    """Starts the Okta simulator and the SCIM server on 127.0.0.1; stops them (and removes the
    temporary state dir) on exit. Use as a context manager."""

    def __init__(
        self,
        *,
        state_dir: Path | None = None,
        clock: Callable[[], float] | None = None,
        ports: tuple[int, int] = (0, 0),
        known_secrets: tuple[str, str, str] | None = None,
    ) -> None:
        """`ports` (Okta, SCIM) default to free random ones; snapshot tests fix them so the
        URLs on screen do not change between runs. `known_secrets` (Okta API token, Kandji
        token, test person's password) replaces the random ones, for tests that look for them
        in everything the wizard wrote."""
        self.api_token: SecretStr | None = None
        self._known_okta_token = known_secrets[0] if known_secrets else None
        self.kandji_token = SecretStr(
            known_secrets[1] if known_secrets else "kandji-demo-" + _random.token_urlsafe(24)
        )
        self.scim = ScimServer(self.kandji_token, port=ports[1])
        # What `scim.rotate_token()` returns in `rotate-token --demo` (None: a random token);
        # tests set a known value to look for it in everything written.
        self.next_kandji_token: str | None = None
        # Tests pass a ManualClock so search lag and rate limits follow their fake time.
        sim_options = {"clock": clock} if clock is not None else {}
        self.okta_simulator = OktaSimulator(subdomain=DEMO_SUBDOMAIN, port=ports[0], **sim_options)
        self.console = DemoConsole(self.okta_simulator)
        self.keyring = MemoryKeyring()
        self.secrets = SecretStore(backend=self.keyring, ephemeral=True)
        self._own_state_dir = state_dir is None
        self.state_dir = state_dir or Path(tempfile.mkdtemp(prefix="okta-kandji-setup-demo-"))
        self.state = StateStore(self.state_dir)
        self.seeded_logins: list[str] = []
        self.test_person = DemoPerson(
            "Taylor",
            "Test",
            "taylor.test@demo.example.com",
            SecretStr(known_secrets[2] if known_secrets else "Demo-" + _random.token_hex(6) + "-Pw9"),
        )
        self._org: OrgUrl | None = None
        self._kandji_url: KandjiUrl | None = None
        self.existing_integration: SeededIntegration | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> DemoServices:
        self.scim.start()
        self.okta_simulator.start()
        sim = self.okta_simulator
        if self._known_okta_token:
            sim.api_tokens[self._known_okta_token] = sim.api_tokens.pop(sim.api_token)
            sim.api_token = self._known_okta_token
        self.api_token = SecretStr(sim.api_token)
        self._org = parse_org_url(self.okta_simulator.base_url, allow_insecure_loopback=True)
        self._kandji_url = parse_kandji_url(self.scim.base_url, allow_insecure_loopback=True)
        for first, last, login in SEEDED_PEOPLE:
            self.okta_simulator.add_user(login, first, last)
            self.seeded_logins.append(login)
        return self

    def stop(self) -> None:
        self.okta_simulator.stop()
        self.scim.stop()
        if self._own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> DemoServices:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what the wizard pre-fills ---------------------------------------------------------------
    @property
    def org(self) -> OrgUrl:
        if self._org is None:
            raise RuntimeError("Start the demo services first.")
        return self._org

    @property
    def org_url(self) -> str:
        return self.org.base_url

    @property
    def kandji_url(self) -> KandjiUrl:
        if self._kandji_url is None:
            raise RuntimeError("Start the demo services first.")
        return self._kandji_url

    @property
    def kandji_base_url(self) -> str:
        return self.kandji_url.base_url

    def inputs(self) -> dict[str, dict[str, Any]]:
        """What the admin would type at each step of the demo, keyed by catalog action."""
        person = self.test_person
        return {
            "kandji": {"base_url": self.kandji_base_url},
            "kandji-token": {"token": self.kandji_token},
            "test-user": {
                "login": person.login,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "password": person.password,
            },
        }

    def seed_existing_integration(self, users: int = 200) -> SeededIntegration:
        """Seed, once, an integration "made by hand" with a few of every problem doctor and
        reconcile find (issue 13), beside whatever the wizard's demo creates."""
        if self.existing_integration is None:
            from wizard.demo.seeding import demo_seed, seed_integration

            self.existing_integration = seed_integration(
                self.okta_simulator, self.scim, self.kandji_token, demo_seed(users)
            )
        return self.existing_integration

    def store_okta_token(self) -> None:
        """Put the demo's Okta API token in the demo keyring, as step 1 would."""
        assert self.api_token is not None
        self.secrets.put(self.org.host, Purpose.OKTA_API_TOKEN, self.api_token)

    def open_session(self) -> TenantSession:
        """The demo tenant's progress, in the temporary state dir (the caller closes it)."""
        session = self.state.open(self.org.base_url, self.org.host)
        if session.state.settings.auth_method is None:
            session.update_settings(auth_method="api_token")
        return session

    async def open_okta(self, **client_options: Any) -> OktaClient:
        """An Okta client for the simulator, authenticated from the demo keyring (options go to
        `OktaClient`, e.g. a test's `sleep`)."""
        from wizard.engine.signin import open_okta

        self.store_okta_token()
        settings = SetupSettings(auth_method="api_token")
        return await open_okta(self.org, self.secrets, settings, **client_options)

    def context(self, session: TenantSession, okta: OktaClient) -> EngineContext:
        from wizard.engine.context import EngineContext

        return EngineContext(
            org=self.org,
            session=session,
            secrets=self.secrets,
            okta=okta,
            kandji_url=self.kandji_url,
            demo_console=self.console,
        )
