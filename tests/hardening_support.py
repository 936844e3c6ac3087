"""Shared pieces of the hardening suites (tests/test_hardening_*.py): the figures they count,
faults aimed at one Okta call by a regular expression, and a rig that runs the whole headless
flow (`apply`'s run through every step) against the demo services, as many times as needed.

The figures are printed at the end of `make test` by `pytest_terminal_summary` in conftest.py;
under pytest-xdist each worker counts its own and sends them to the controller, which adds them up.
"""

from __future__ import annotations

import io
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from tests.test_cli_fixtures import CONFIG as CLI_CONFIG
from wizard.okta_simulator.server import Fault

# -- figures -------------------------------------------------------------------------------------

FAULTS = "faults injected"
KILLS = "kills survived"
BAD_INPUTS = "bad inputs tried"
SECRET_HITS = "secret hits"
SECRET_PLACES = "places scanned for secrets"
HOSTILE_FILES = "hostile files tried"
HOSTILE_ANSWERS = "hostile answers tried"
ORDER = (FAULTS, KILLS, BAD_INPUTS, HOSTILE_FILES, HOSTILE_ANSWERS, SECRET_HITS, SECRET_PLACES)


class Figures:
    """Counters the hardening tests add to; thread-safe because servers call back from threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.touched: set[str] = set()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n
            self.touched.add(name)

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def export(self) -> dict[str, int]:
        """The figures this process counted, to send from an xdist worker to the controller."""
        with self._lock:
            return {name: self._counts[name] for name in self.touched}

    def merge(self, counts: dict[str, int]) -> None:
        """Add a worker's figures (see `pytest_testnodedown` in conftest.py)."""
        for name, n in counts.items():
            self.add(name, n)

    def lines(self) -> list[str]:
        with self._lock:
            names = [n for n in ORDER if n in self.touched] + sorted(self.touched - set(ORDER))
            return [f"{name:<28} {self._counts[name]:>6}" for name in names]


FIGURES = Figures()

# Every "Traceback" a bad input could cause, and the words that make a message actionable.
NO_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \"", re.MULTILINE)


def assert_no_traceback(text: str) -> None:
    assert not NO_TRACEBACK.search(text), f"a traceback reached the admin:\n{text}"


# -- faults on one call --------------------------------------------------------------------------


class CallFault(Fault):
    """A simulator fault on requests whose path matches `regex` exactly (the simulator's own
    faults use globs, whose `*` also crosses `/`: `/api/v1/apps/*` would hit every app call)."""

    def __init__(self, method: str | None, regex: str, **kwargs: Any) -> None:
        super().__init__(path=regex, method=method, **kwargs)
        self.regex = re.compile(regex)
        self.armed = self.times

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and (self.method is None or self.method == method)
            and self.regex.fullmatch(path) is not None
        )

    @property
    def fired(self) -> int:
        return self.armed - max(0, self.times)


@dataclass(frozen=True)
class Call:
    """One call of the automated path: how to aim at it, and the words its errors use."""

    name: str  # the client operation, e.g. "create_group"
    method: str
    regex: str
    write: bool = False
    # False: a fresh tenant's run does not make it (each lookup once per run, issue 11): a new
    # person joins the group in their create, and the PUT's answer is the assignment read back.
    fresh: bool = True


# The automated path, in the order `apply` makes the calls.
AUTOMATED_PATH: tuple[Call, ...] = (
    Call("get_org", "GET", r"/api/v1/org"),
    Call("get_me", "GET", r"/api/v1/users/me"),
    Call("list_user_roles", "GET", r"/api/v1/users/[^/]+/roles"),
    Call("find_app_by_label", "GET", r"/api/v1/apps"),
    Call("find_group_by_name", "GET", r"/api/v1/groups"),
    Call("create_saml_app", "POST", r"/api/v1/apps", write=True),
    Call("get_app", "GET", r"/api/v1/apps/[^/]+"),
    Call("get_user_provisioning_feature", "GET", r"/api/v1/apps/[^/]+/features/USER_PROVISIONING"),
    Call("create_group", "POST", r"/api/v1/groups", write=True),
    Call("find_user", "GET", r"/api/v1/users/(?!me$)[^/]+"),
    Call("create_user", "POST", r"/api/v1/users", write=True),
    Call("add_user_to_group", "PUT", r"/api/v1/groups/[^/]+/users/[^/]+", write=True, fresh=False),
    Call("get_app_user_schema", "GET", r"/api/v1/meta/schemas/apps/[^/]+/default"),
    Call("assign_group", "PUT", r"/api/v1/apps/[^/]+/groups/[^/]+", write=True),
    Call("get_app_group_assignment", "GET", r"/api/v1/apps/[^/]+/groups/[^/]+", fresh=False),
    Call("list_group_users", "GET", r"/api/v1/groups/[^/]+/users"),
    Call("list_app_users", "GET", r"/api/v1/apps/[^/]+/users"),
    Call("query_provisioning_failures", "GET", r"/api/v1/logs"),
)
WRITES = tuple(call for call in AUTOMATED_PATH if call.write and call.fresh)
NOT_FRESH = frozenset(call.name for call in AUTOMATED_PATH if not call.fresh)


def arm(sim: Any, call: Call, **kwargs: Any) -> CallFault:
    fault = CallFault(call.method, call.regex, **kwargs)
    with sim.traffic.lock:
        sim.traffic.faults.append(fault)
    return fault


def fired(sim: Any) -> int:
    """How many injected faults the simulator has actually served (added to the figures)."""
    with sim.traffic.lock:
        return sum(f.fired for f in sim.traffic.faults if isinstance(f, CallFault))


class LateAnswers(httpx.AsyncBaseTransport):
    """The client's transport, for answers that come after the client stopped waiting: the
    request reaches the simulator, which does the work (for a POST the object exists), and the
    client gets the read timeout it would have got. Deterministic and instant: no real delay
    races a real timeout, which a loaded machine could lose. Pass as `transport=` to the client."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._faults: list[CallFault] = []

    def arm(self, call: Call, *, times: int = 1) -> CallFault:
        fault = CallFault(call.method, call.regex, times=times)
        self._faults.append(fault)
        return fault

    @property
    def fired(self) -> int:
        return sum(f.fired for f in self._faults)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        fault = next((f for f in self._faults if f.matches(request.method, request.url.path)), None)
        if fault is None:
            return response
        fault.times -= 1
        await response.aread()
        await response.aclose()
        raise httpx.ReadTimeout("the answer came after the client's timeout", request=request)

    async def aclose(self) -> None:
        # Each run's client closes its transport; the armed faults carry on into the next run.
        await self._inner.aclose()
        self._inner = httpx.AsyncHTTPTransport()


# -- running the headless flow -------------------------------------------------------------------


@dataclass
class Run:
    code: int
    text: str  # everything the run printed
    message: str  # its last line: the verdict

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class Objects:
    apps: int
    groups: int
    users: int
    assignments: int
    kandji_users: int

    @property
    def exactly_one_each(self) -> bool:
        return (self.apps, self.groups, self.users, self.assignments) == (1, 1, 1, 1)


def objects(demo: Any, label: str = "Kandji SCIM App", group: str = "Kandji Users") -> Objects:
    """What exists in the simulated Okta (and the SCIM server) for this setup, counted."""
    tenant = demo.okta_simulator.tenant
    login = demo.test_person.login
    with tenant.lock:
        app_ids = [
            a["id"] for a in tenant.apps.values() if a.get("label") == label and a.get("status") != "DELETED"
        ]
        group_ids = [g["id"] for g in tenant.groups.values() if (g.get("profile") or {}).get("name") == group]
        users = [u for u in tenant.users.values() if (u.get("profile") or {}).get("login") == login]
        assignments = sum(1 for groups in tenant.app_groups.values() for gid in groups if gid in group_ids)
    kandji = sum(1 for u in demo.scim.users() if u.get("userName") == login)
    return Objects(len(app_ids), len(group_ids), len(users), assignments, kandji)


def demo_inputs(demo: Any) -> dict[str, dict[str, Any]]:
    return demo.inputs()


async def run_once(demo: Any, clock: Any, **client_options: Any) -> Run:
    """One `apply` run on the demo services: a new session and client, the flow, the verdict.
    Sleeps follow `clock` (fake time); console steps are done in the demo console."""
    from wizard.commands.apply import _finish
    from wizard.commands.common import Out
    from wizard.commands.flow import FlowOptions, run_flow
    from wizard.okta.pacing import RetryPolicy

    client_options.setdefault("retry", RetryPolicy(jitter_max=0.0))
    buffer = io.StringIO()
    out = Out("apply", stdout=buffer, stderr=buffer)
    session = demo.open_session()
    try:
        okta = await demo.open_okta(sleep=clock.sleep, **client_options)
        try:
            ctx = demo.context(session, okta)
            ctx.sleep, ctx.clock = clock.sleep, clock
            options = FlowOptions(assume_yes=True, console_timeout=10.0, proof_timeout=30.0, demo=demo)
            result = await run_flow(ctx, demo_inputs(demo), options, out)
            code = _finish(ctx, result, out, demo=True)
        finally:
            await okta.aclose()
    finally:
        session.close()
    text = buffer.getvalue()
    return Run(code, text, text.rstrip().splitlines()[-1])


async def run_until_done(demo: Any, clock: Any, *, limit: int = 40, **client_options: Any) -> list[Run]:
    """Rerun until a run succeeds (or `limit` runs); returns every run, in order."""
    runs: list[Run] = []
    for _ in range(limit):
        run = await run_once(demo, clock, **client_options)
        runs.append(run)
        if run.ok:
            break
    return runs


# -- `apply` in a real process against the simulator in this one ------------------------------------

# The real CLI, with the product's sleeps capped at 20 ms: its polls and the group search's
# second looks would otherwise wait seconds of real time per run.
FAST_CLI = (
    "import asyncio, sys\n"
    "from wizard.commands.runtime import RUNTIME\n"
    "_sleep = asyncio.sleep\n"
    "async def _fast(seconds):\n"
    "    await _sleep(min(seconds, 0.02))\n"
    "RUNTIME.sleep = _fast\n"
    "from wizard.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
CONFIG = CLI_CONFIG  # the same loopback setup the CLI tests use


class Hold:
    """Holds one write request inside the simulator until `release()`: `commit=False` before
    Okta acts on it (the request is lost), `commit=True` after (the object exists, the answer
    never arrives)."""

    def __init__(self, call: Call, *, commit: bool) -> None:
        self.call = call
        self.commit = commit
        self.regex = re.compile(call.regex)
        self.reached = threading.Event()
        self._release = threading.Event()
        self.used = False

    def wants(self, method: str, path: str) -> bool:
        return not self.used and method == self.call.method and self.regex.fullmatch(path) is not None

    def release(self) -> None:
        self._release.set()

    def wait(self) -> None:
        self.used = True
        self.reached.set()
        self._release.wait(60)


class ConsoleAdmin:
    """Wraps the simulator's dispatch: plays the admin who does the console steps (9–14) as
    soon as the app exists, lets provisioning pushes finish before an assignment is answered
    (so step 24 needs no real waiting), and applies an optional `Hold`."""

    def __init__(self, demo: Any) -> None:
        self.demo = demo
        self.sim = demo.okta_simulator
        self.hold: Hold | None = None
        self._dispatch = self.sim.dispatch
        self.sim.dispatch = self._serve

    def _serve(self, method: str, path: str, *args: Any) -> Any:
        from wizard.okta_simulator.api import Reply

        hold = self.hold
        held = hold is not None and hold.wants(method, path)
        if held and not hold.commit:  # type: ignore[union-attr]
            hold.wait()  # type: ignore[union-attr]
            return Reply(503, {"errorCode": "E0000009", "errorSummary": "held, then dropped"})
        reply = self._dispatch(method, path, *args)
        if method == "POST" and path == "/api/v1/apps" and reply.status == 200:
            self.sim.configure_provisioning(
                reply.body["id"], self.demo.kandji_base_url, self.demo.kandji_token
            )
        if method == "PUT" and re.fullmatch(r"/api/v1/apps/[^/]+/groups/[^/]+", path):
            self.sim.settle()
        if held:
            hold.wait()  # type: ignore[union-attr]
        return reply


def cli_env(demo: Any, root: Any) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "OKTA_KANDJI_SETUP_STATE_DIR": str(root / "state"),
        "HOME": str(root),
        "XDG_STATE_HOME": str(root / "xdg-state"),
        # No keyring at all in these processes: secrets come from the environment each run.
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PYTHONUNBUFFERED": "1",
        "OKTA_API_TOKEN": demo.api_token.get_secret_value(),
        "KANDJI_SCIM_TOKEN": demo.kandji_token.get_secret_value(),
        "OKTA_TEST_USER_PASSWORD": demo.test_person.password.get_secret_value(),
    }


def apply_argv(config: Any, *extra: str) -> list[str]:
    import sys

    return [
        sys.executable,
        "-c",
        FAST_CLI,
        "apply",
        "--config",
        str(config),
        "--yes",
        "--allow-insecure-loopback",
        "--timeout",
        "20",
        "--proof-timeout",
        "20",
        *extra,
    ]
