"""stop_promptly (wizard/serving.py): a server stops without waiting for its next poll, and the
connection that wakes it is never taken for a request."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wizard.okta_simulator import OktaSimulator
from wizard.serving import stop_promptly


class _Answers(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(204)
        self.end_headers()


def test_a_server_polling_every_minute_stops_at_once() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 60.0}, daemon=True)
    serving.start()
    try:
        started = time.monotonic()
        stop_promptly(server)
        # shutdown() alone would wait for the poll: a minute. Far under that means it was woken.
        assert time.monotonic() - started < 30
        serving.join(5)
        assert not serving.is_alive()
        assert _Answers.seen == []  # the wake-up connection carried no request
    finally:
        server.server_close()


def test_stopping_the_simulator_records_no_exchange() -> None:
    simulator = OktaSimulator().start()
    simulator.stop()
    assert simulator.exchanges == []
