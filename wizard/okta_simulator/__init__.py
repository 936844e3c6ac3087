"""A stateful Okta org simulator on loopback, for the demo and the tests (DESIGN §7)."""

from wizard.okta_simulator.clock import ManualClock
from wizard.okta_simulator.server import Exchange, Fault
from wizard.okta_simulator.simulator import OktaSimulator

__all__ = ["Exchange", "Fault", "ManualClock", "OktaSimulator"]
