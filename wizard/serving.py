"""Stopping a loopback `socketserver` (the demo's Okta and Kandji, and the tests' servers) at once.

`shutdown()` only returns once `serve_forever` notices, at its next poll: up to the whole poll
interval (0.05 s for ours, 0.5 s by default) for every server stopped, which is every demo quit
and every test that starts one. A connection to the listening socket wakes the poll at once.
If the poke lands before the stop is asked for, it is served like any client that connects and
closes without a request: the handler reads nothing and returns, and nothing is recorded.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading


def stop_promptly(server: socketserver.BaseServer, timeout: float = 5.0) -> None:
    """`server.shutdown()` without waiting for the next poll. `serve_forever` must be running
    in another thread, as `shutdown()` itself requires."""
    stopper = threading.Thread(target=server.shutdown, name="server-stop", daemon=True)
    stopper.start()
    host, port = server.server_address[:2]
    for _ in range(int(timeout / 0.01)):
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            pass
        stopper.join(0.01)
        if not stopper.is_alive():
            return
    stopper.join(timeout)
