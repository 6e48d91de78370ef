"""A loopback HTTP server that answers each path from a script and logs requests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from types import TracebackType


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP answer."""

    body: Any = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    raw: bytes | None = None

    def payload(self) -> bytes:
        """The bytes sent as the body."""
        return self.raw if self.raw is not None else json.dumps(self.body).encode()


@dataclass(frozen=True)
class Seen:
    """One request a scripted server received."""

    path: str
    query: str
    authorization: str | None


@dataclass
class ScriptedServer:
    """A loopback HTTP server answering each path from a script; logs requests."""

    routes: dict[str, Reply] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def __enter__(self) -> Self:
        """Start serving on a free loopback port."""
        script = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                script.seen.append(
                    Seen(parts.path, parts.query, self.headers.get("Authorization"))
                )
                reply = script.routes.get(parts.path, Reply({"code": 20404}, 404))
                body = reply.payload()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Stay quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        ).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
