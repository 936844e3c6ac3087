"""The Textual application: owns the session, the secret store and screen switching."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from assets import ASSETS_DIR
from screens.engine_link import EngineLink
from screens.start_screen import StartScreen
from screens.step_commands import StepCommands
from wizard.catalog import Catalog, load_catalog

if TYPE_CHECKING:
    from wizard.demo.services import DemoServices
    from wizard.okta.domains import OrgUrl
    from wizard.secrets import KeyringProbe, SecretStore
    from wizard.state import StateStore, TenantSession


class WizardApp(App[None]):
    TITLE = "Okta → Kandji SCIM setup"
    CSS_PATH = ASSETS_DIR / "wizard.tcss"
    COMMANDS = App.COMMANDS | {StepCommands}  # StepCommands' hits score above the system ones
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),  # progress is always saved
        Binding("f1,question_mark", "help", "Help", id="help"),
    ]

    def __init__(
        self,
        *,
        demo: DemoServices | None = None,
        allow_insecure_loopback: bool = False,
        store: StateStore | None = None,
        secrets: SecretStore | None = None,
        initial_org_url: str = "",
    ) -> None:
        super().__init__()
        self.demo = demo
        self.allow_insecure_loopback = allow_insecure_loopback or demo is not None
        self.initial_org_url = initial_org_url or (demo.org_url if demo is not None else "")
        # The demo brings its own state dir and an in-memory keyring: nothing real is touched.
        self._store = store or (demo.state if demo is not None else None)
        self._secrets = secrets or (demo.secrets if demo is not None else None)
        self.engine = EngineLink(self)
        self.session: TenantSession | None = None  # type: ignore[assignment]
        self.org: OrgUrl | None = None  # type: ignore[assignment]
        self.keyring_probe: KeyringProbe | None = None
        self.farewell = ""  # printed on the terminal once the app has closed

    @property
    def catalog(self) -> Catalog:
        """The step catalog (steps.toml), read when a setup opens rather than before the first frame."""
        return load_catalog()

    # Heavy modules (pydantic models, keyring backends) load after the first screen shows.
    @property
    def store(self) -> StateStore:
        if self._store is None:
            from wizard.state import StateStore

            self._store = StateStore()
        return self._store

    @property
    def secrets(self) -> SecretStore:
        if self._secrets is None:
            from wizard.secrets import SecretStore

            self._secrets = SecretStore()
        return self._secrets

    def get_default_screen(self) -> StartScreen:
        # The start screen is the app's own first screen, not one pushed over a blank default:
        # the first frame then composes and paints one screen, not two (benchmarks/startup.py).
        return StartScreen()

    @work(thread=True, group="keyring", exit_on_error=False, description="probing the OS keyring")
    def probe_keyring(self) -> None:
        probe = self.secrets.probe()
        self.call_from_thread(setattr, self, "keyring_probe", probe)
        if probe.state != "ok":
            short = (
                "The OS keyring refused access: see step B.2."
                if probe.state == "locked"
                else "No usable OS keyring: the Kandji token will be kept in memory for this "
                "run only (details at step B.2)."
            )
            self.call_from_thread(self.notify, short, severity="warning", timeout=8)

    @property
    def keyring_warning(self) -> str:
        probe = self.keyring_probe
        if probe is None or probe.state == "ok":
            return ""
        if probe.state == "locked":
            return f"The OS keyring refused access. {probe.reason} {probe.remedy}"
        return f"{probe.reason} {probe.remedy}"

    # --- tenants ------------------------------------------------------------------------
    @work(thread=True, group="state", exclusive=True, exit_on_error=False, description="opening setup")
    def open_tenant(self, org: OrgUrl, then: str | None = None) -> None:
        from wizard.state import StateError

        try:
            session = self.store.open(org.base_url, org.host)
        except StateError as exc:
            self.call_from_thread(self._open_failed, str(exc))
            return
        self.call_from_thread(self._enter, org, session, then)

    def _open_failed(self, message: str) -> None:
        if isinstance(self.screen, StartScreen):
            self.screen.show_open_error(message)
        else:
            self.notify(message, severity="error")

    async def close_tenant(self) -> None:
        """Back to the list of setups: save and release this tenant (its lock too)."""
        await self.engine.reset()
        self.close_session()
        self.org = None
        if len(self.screen_stack) > 1:  # back to the first start screen, with a fresh list
            while len(self.screen_stack) > 1:  # the step screen, and the finish screen over it
                await self.pop_screen()
            if isinstance(self.screen, StartScreen):
                self.screen.load_tenants()
        else:
            self.switch_screen(StartScreen())

    def _enter(self, org: OrgUrl, session: TenantSession, then: str | None = None) -> None:
        from screens.step_screen import StepScreen

        self.org, self.session = org, session
        if self.keyring_probe is None:
            self.probe_keyring()  # once, when a tenant first needs secrets
        if session.moved_aside is not None:
            self.notify(session.moved_aside.reason, severity="warning", timeout=10)
        if len(self.screen_stack) == 1:  # the first start screen stays at the bottom
            self.push_screen(StepScreen())
        else:
            self.switch_screen(StepScreen())
        if then == "rotate-token":  # from the start screen's "Rotate the Kandji token" (issue 14)
            from screens.rotate_screen import RotateTokenScreen

            self.push_screen(RotateTokenScreen())
        elif then == "canary":  # "Prove delivery" after doctor (issue 14)
            from screens.canary_screen import CanaryScreen

            self.push_screen(CanaryScreen())

    # --- secrets ------------------------------------------------------------------------
    def _kandji_purpose(self):  # noqa: ANN202 - the enum import stays lazy
        from wizard.secrets import Purpose

        return Purpose.KANDJI_SCIM_TOKEN

    def read_kandji_token(self) -> str | None:
        """Read at the moment of use (copy, reveal), so nothing holds it longer than needed."""
        from wizard.secrets import SecretStoreError

        # A keyring the probe found locked can block for a long time: don't ask it here.
        if self.org is None or (self.keyring_probe is not None and self.keyring_probe.state == "locked"):
            return None
        try:
            secret = self.secrets.get(self.org.host, self._kandji_purpose())
        except SecretStoreError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return None
        return secret.get_secret_value() if secret is not None else None

    def kandji_token_present(self) -> bool:
        return self.read_kandji_token() is not None

    def demo_prefill(self, key: str) -> str:
        """Values the demo types for the admin (nothing outside the demo)."""
        demo = self.demo
        if demo is None:
            return ""
        person = demo.test_person
        values = {
            "okta_token": demo.api_token.get_secret_value() if demo.api_token else "",
            "kandji_base_url": demo.kandji_base_url,
            "kandji_token": demo.kandji_token.get_secret_value(),
            "login": person.login,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "password": person.password.get_secret_value(),
            "existing_logins": ", ".join(demo.seeded_logins),
        }
        return values.get(key, "")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers run with exit_on_error=False; their failures must still reach the admin."""
        if event.state is WorkerState.ERROR:
            from wizard.redact import redact

            what = event.worker.description or "A background task"
            error = event.worker.error
            detail = redact(str(error)) if error is not None else "unknown error"
            self.notify(f"{what} failed: {detail}", severity="error", timeout=12)

    # --- app actions --------------------------------------------------------------------
    def action_help(self) -> None:
        # Imported on first use: the Markdown widget's parser is the heaviest import we have.
        from screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        await self.engine.reset()
        self.close_session()
        self.exit()

    def close_session(self) -> None:
        if self.session is not None:
            self.session.save()
            self.farewell = self._farewell(self.session)
            self.session.close()
            self.session = None

    def _farewell(self, session: TenantSession) -> str:
        """Where the progress is and how to come back, said on the terminal after quitting."""
        from pathlib import Path

        state = session.state
        if self.demo is not None:
            return (
                f"Demo closed at step {state.current_step}. The demo does not resume: its simulated "
                "Okta and Kandji, and its progress, are gone. `make demo` starts it again."
            )
        path = session.path
        shown = f"~/{path.relative_to(Path.home())}" if path.is_relative_to(Path.home()) else str(path)
        return (
            f"Progress for {state.org_host} saved at step {state.current_step} in {shown}\n"
            f"To resume: run okta-kandji-setup again and choose {state.org_host} "
            f"(or `okta-kandji-setup status --tenant {state.org_host}` to see it)."
        )

    def on_unmount(self) -> None:
        self.close_session()


def run_app(*, demo: bool = False, allow_insecure_loopback: bool = False) -> int:
    if not demo:
        app = WizardApp(allow_insecure_loopback=allow_insecure_loopback)
        app.run()
    else:
        from wizard.demo.services import DemoServices

        with DemoServices() as services:
            app = WizardApp(demo=services)
            app.run()
    if app.farewell:
        print(app.farewell)
    return 0
