"""The pre-flight panel: rows appear as checks complete; passing and failing look right at 80×24."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.pilot import Pilot

from screens.widgets.preflight_panel import IDLE_SUMMARY, CheckRow, PreflightPanel
from wizard.kandji.checks import CheckResult, PreflightReport

BEARER = "Bearer ****cdef"
PASSING = [
    CheckResult(
        "dns",
        "DNS resolves the host",
        "pass",
        "DNS lookup acme.api.kandji.io",
        "acme.api.kandji.io → 203.0.113.7",
    ),
    CheckResult(
        "connection",
        "Connection and TLS",
        "pass",
        "GET /ServiceProviderConfig · no token",
        "TLS verified (TLSv1.3); the server answered HTTP 401.",
    ),
    CheckResult(
        "wrong_token",
        "A wrong token is refused",
        "pass",
        "GET /Users?startIndex=1&count=1 · Bearer <made-up token>",
        "Refused with HTTP 401, as it should be.",
    ),
    CheckResult(
        "token",
        "The token is accepted",
        "pass",
        f"GET /Users?startIndex=1&count=2 · {BEARER}",
        "ListResponse with 12 users in total.",
    ),
    CheckResult(
        "filter",
        "Filter on an unknown userName",
        "pass",
        f'GET /Users?filter=userName eq "probe@invalid.example" · {BEARER}',
        "HTTP 200 with no results, as expected.",
    ),
    CheckResult(
        "unknown_id",
        "Unknown user id answers 404",
        "pass",
        f"GET /Users/0000-probe · {BEARER}",
        "HTTP 404, as expected.",
    ),
    CheckResult(
        "groups",
        "Groups endpoint (informational)",
        "info",
        f"GET /Groups?startIndex=1&count=1 · {BEARER}",
        "Answers: 0 group(s).",
        required=False,
    ),
    CheckResult(
        "discovery",
        "Discovery endpoints (informational)",
        "info",
        "",
        "ServiceProviderConfig 200; ResourceTypes 200; Schemas 200.",
        required=False,
    ),
]
FAILING = [
    *PASSING[:3],
    CheckResult(
        "token",
        "The token is accepted",
        "fail",
        f"GET /Users?startIndex=1&count=2 · {BEARER}",
        "HTTP 401 Unauthorized.",
        "Kandji refused the token: it was mistyped or copied incompletely, or it was rotated in Kandji "
        "since (creating a new token invalidates the old one).",
        "In Kandji open Integrations → SCIM, create a new token (Kandji shows it only once), "
        "and enter it here.",
    ),
    *(
        CheckResult(
            key,
            title,
            "skip",
            "",
            "Not run: the token check failed.",
            required=key in {"filter", "unknown_id"},
        )
        for key, title in (
            ("filter", "Filter on an unknown userName"),
            ("unknown_id", "Unknown user id answers 404"),
            ("groups", "Groups endpoint (informational)"),
            ("discovery", "Discovery endpoints (informational)"),
        )
    ),
]


class PanelHarness(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield PreflightPanel()


def feed(results: list[CheckResult], *, finish: bool = True):
    async def run_before(pilot: Pilot) -> None:
        panel = pilot.app.query_one(PreflightPanel)
        panel.reset()
        for result in results:
            panel.add_result(result)
        if finish:
            panel.finish(PreflightReport("https://acme.api.kandji.io/api/v1/scim", list(results)))
        await pilot.pause()

    return run_before


def test_passing_panel(snap_compare) -> None:
    assert snap_compare(PanelHarness(), terminal_size=(80, 24), run_before=feed(PASSING))


def test_failing_panel(snap_compare) -> None:
    assert snap_compare(PanelHarness(), terminal_size=(80, 24), run_before=feed(FAILING))


def test_panel_while_running(snap_compare) -> None:
    assert snap_compare(PanelHarness(), terminal_size=(80, 24), run_before=feed(PASSING[:3], finish=False))


async def test_rows_appear_one_by_one_and_reset_clears_them() -> None:
    app = PanelHarness()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(PreflightPanel)
        summary = panel.query_one("#preflight-summary")
        assert str(summary.render()) == IDLE_SUMMARY
        panel.reset()
        for count, result in enumerate(FAILING[:4], start=1):
            panel.add_result(result)
            await pilot.pause()
            assert len(panel.query(CheckRow)) == count
        assert "Checking… 3 of 4 required checks passed so far." in str(summary.render())
        panel.finish()
        await pilot.pause()
        assert panel.has_class("-failed") and not panel.has_class("-ok")
        assert str(summary.render()).startswith("1 required check failed (3 passed).")
        panel.reset()
        await pilot.pause()
        assert len(panel.query(CheckRow)) == 0
        assert not panel.has_class("-failed")
        for result in PASSING:
            panel.add_result(result)
        panel.finish()
        await pilot.pause()
        assert panel.has_class("-ok")
        assert panel.results == PASSING


async def test_panel_fits_80_columns() -> None:
    app = PanelHarness()
    async with app.run_test(size=(80, 24)) as pilot:
        await feed(FAILING)(pilot)
        panel = app.query_one(PreflightPanel)
        assert panel.outer_size.width <= 80
        assert all(row.outer_size.width <= 78 for row in panel.query(CheckRow))
