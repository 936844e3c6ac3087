"""How the engine-driven screens look in the demo: a console hand-off, a plan, the finish
screen and the step-24 progress, at 80×24 and 200×50.

One walk through the demo per size takes all four pictures, in the order an admin meets them
(the first test of a size walks, the others compare what it took); xdist keeps a size's tests
on one worker. The services listen on ports the OS picks, and the pictures show the ports the
snapshots were taken with (both are five digits, so nothing on screen moves). The state dir
sits under the test's HOME, which the finish screen shows as `~/…`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual.pilot import Pilot

from screens.app import WizardApp
from tests.test_ui_demo import _to_step_9
from tests.ui_support import demo_console, no_blink, pictures_once, press_and_settle, screenshot
from wizard.demo.services import DemoServices

# The (Okta, SCIM) ports the snapshots show.
SHOWN_PORTS = (47811, 47812)
SIZES = {"80x24": (80, 24), "200x50": (200, 50)}
# In the order the walk reaches them.
CASES = ("handoff-10.1", "plan-15", "finish", "proof-24")

_taken: dict[str, dict[str, str] | BaseException] = {}


def _services() -> DemoServices:
    """Demo services on OS-chosen ports with as many digits as the ports shown."""
    for _ in range(20):
        demo = DemoServices(state_dir=Path.home() / "demo-state").start()
        ports = (demo.okta_simulator.port, demo.scim.port)
        if all(len(str(real)) == len(str(shown)) for real, shown in zip(ports, SHOWN_PORTS, strict=True)):
            return demo
        demo.stop()
    raise AssertionError("the OS kept choosing ports whose width differs from the snapshots'")


async def _picture(pilot: Pilot, demo: DemoServices) -> str:
    """What `snap_compare` would save at this moment, with the ports as the snapshots show them."""
    app = pilot.app
    app.clear_notifications()
    no_blink(app)  # type: ignore[arg-type]
    await pilot.pause(0.1)  # let the panel finish scrolling to the focused field
    svg = await screenshot(pilot)
    real = (demo.okta_simulator.port, demo.scim.port)
    for port, shown in zip(real, SHOWN_PORTS, strict=True):
        svg = svg.replace(f"127.0.0.1:{port}", f"127.0.0.1:{shown}")
    return svg


async def _walk(size: tuple[int, int]) -> dict[str, str]:
    pictures: dict[str, str] = {}
    demo = _services()
    try:
        app = WizardApp(demo=demo)
        async with app.run_test(size=size) as pilot:
            await _to_step_9(pilot, app)
            await demo_console(pilot)  # 9
            for _ in range(50):  # the first look at Okta
                if "Looking at Okta" not in str(pilot.app.screen.query_one("#detection").render()):
                    break
                await pilot.pause(0.1)
            pictures["handoff-10.1"] = await _picture(pilot, demo)
            for _ in range(3):  # 10.x, 11, 12–14
                await demo_console(pilot)
            pictures["plan-15"] = await _picture(pilot, demo)
            for _ in range(3):  # group, test person, assignment
                await press_and_settle(pilot, "enter")
            await press_and_settle(pilot, "enter")  # prove it
            pictures["finish"] = await _picture(pilot, demo)
            await pilot.press("escape")  # back from the finish screen to step 24's proof
            pictures["proof-24"] = await _picture(pilot, demo)
    finally:
        demo.stop()
    return pictures


@pytest.mark.parametrize(
    "size", [pytest.param(name, marks=pytest.mark.xdist_group(f"demo-snapshots-{name}")) for name in SIZES]
)
@pytest.mark.parametrize("case", CASES)
async def test_demo_screen(snapshot, case: str, size: str) -> None:
    taken = await pictures_once(_taken, size, lambda: _walk(SIZES[size]))
    assert snapshot.use_extension(SVGImageExtension) == taken[case]
