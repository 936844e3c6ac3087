"""A tiny HTTP CONNECT proxy on loopback that records which hosts it tunnelled to.

`route` maps a requested `host:port` to a real loopback address, so a client can ask for
`acme.okta.com:443` and reach the simulator without DNS or the internet.
"""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from types import TracebackType


class ConnectProxy:
    def __init__(self, route: dict[str, tuple[str, int]], *, refuse_status: str = "403 Forbidden") -> None:
        """`refuse_status` answers a CONNECT to a host not in `route` (e.g. "407 Proxy
        Authentication Required", as a proxy that wants credentials does)."""
        self.route = route
        self.refuse_status = refuse_status
        self.tunnels: list[str] = []
        self.refused: list[str] = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(65536).decode("latin-1").strip()
                while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                    pass
                method, _, rest = line.partition(" ")
                target = rest.split(" ", 1)[0]
                if method != "CONNECT" or target not in proxy.route:
                    proxy.refused.append(line)
                    status = proxy.refuse_status.encode("latin-1")
                    extra = (
                        b'Proxy-Authenticate: Basic realm="corp"\r\n' if status.startswith(b"407") else b""
                    )
                    self.wfile.write(b"HTTP/1.1 " + status + b"\r\n" + extra + b"Content-Length: 0\r\n\r\n")
                    return
                proxy.tunnels.append(target)
                upstream = socket.create_connection(proxy.route[target], timeout=10)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                _pipe(self.connection, upstream)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 5)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    except OSError:
        return
    finally:
        b.close()
