"""A quiet local HTTP server for the demo apps (``demo_apps/``) and other local web pages.

Apps are served from a free loopback port as ``http://127.0.0.1:PORT/<id>/``; a real origin (not
``file://``) gives them localStorage, cookies and same-origin navigation like a deployed web app.

    with DemoServer(PROJECT_ROOT / "demo_apps") as server:
        app = server.serve_app(apps["compliant-splash"])   # file:// URL → http:// URL
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

from harness.device import AppSpec

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEMO_ROOT = PROJECT_ROOT / "demo_apps"


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files without request logging and without caching (every launch is a cold load)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the browser gave up on a request (navigation away): not our problem


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # no tracebacks on stderr for aborted connections


class DemoServer:
    """Serve ``root`` on ``host`` (default a free loopback port) in a background thread.

    Parameters
    ----------
    root : Path
        Folder to serve (default ``demo_apps/``).
    port : int
        0 picks a free port.
    """

    def __init__(self, root: str | Path = DEMO_ROOT, *, host: str = "127.0.0.1", port: int = 0):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"web root {self.root} is not a folder")
        self.host = host
        self._port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the web server has not been started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> "DemoServer":
        if self._httpd is not None:
            return self
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self._httpd = _Server((self.host, self._port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"demo-web-{self.port}", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop serving and free the port; never raises."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            try:
                httpd.shutdown()
                httpd.server_close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        try:
            atexit.unregister(self.stop)
        except Exception:  # pragma: no cover
            pass

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- URLs
    def url_for(self, rel: str) -> str:
        """URL of a path relative to the root: ``url_for("splash-x/")`` → ``http://…/splash-x/``."""
        return f"{self.base_url}/{rel.lstrip('/')}"

    def serve_app(self, app: AppSpec) -> AppSpec:
        """``app`` with a ``file://`` URL under the root rewritten to this server's ``http://`` URL.

        ``…/demo_apps/<id>/index.html`` becomes ``http://127.0.0.1:PORT/<id>/``. Other apps come
        back unchanged.
        """
        if not app.url or urlparse(app.url).scheme != "file":
            return app
        path = Path(unquote(urlparse(app.url).path)).resolve()
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return app
        rel_url = rel.as_posix()
        if path.name == "index.html":
            rel_url = rel.parent.as_posix() + "/"
            if rel_url == "./":
                rel_url = ""
        return dataclasses.replace(app, url=self.url_for(rel_url))


_shared: DemoServer | None = None
_lock = threading.Lock()


def demo_server(root: str | Path = DEMO_ROOT) -> DemoServer:
    """A process-wide server for ``root`` (started on first use, stopped at exit)."""
    global _shared
    with _lock:
        if _shared is None or not _shared.running or _shared.root != Path(root).resolve():
            if _shared is not None:
                _shared.stop()
            _shared = DemoServer(root).start()
        return _shared
