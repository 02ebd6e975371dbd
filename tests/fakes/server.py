"""Run a WSGI app on a loopback port in a background thread (fakes over real HTTP)."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LiveServer:
    def __init__(self, wsgi_app, host: str = "127.0.0.1"):
        self._server = make_server(host, 0, wsgi_app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        # A short poll interval: shutdown() waits for it, and every test stops a server.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
