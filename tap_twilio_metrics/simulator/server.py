"""The loopback HTTP server and the Simulator facade used by tests and tools."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

from tap_twilio_metrics.simulator.api import Api, Response, error, status_error
from tap_twilio_metrics.simulator.constants import MAIN_ACCOUNT_SID
from tap_twilio_metrics.simulator.data import Dataset
from tap_twilio_metrics.simulator.faults import Fault, FaultSet

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/_sim/"
_IDLE_TIMEOUT = 120.0  # seconds an idle keep-alive connection is kept open


class RequestLogEntry(NamedTuple):
    """One API request as received (status 0 = connection dropped)."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to a Simulator."""

    daemon_threads = True
    block_on_close = False
    simulator: Simulator


class _Handler(BaseHTTPRequestHandler):
    """Translates HTTP/1.1 keep-alive requests into Simulator calls."""

    protocol_version = "HTTP/1.1"
    server_version = "TwilioSimulator/1.0"
    timeout = _IDLE_TIMEOUT
    wbufsize = -1  # buffered: headers and body leave in one segment
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Log at debug level only (quiet by default)."""
        logger.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        """Answer a GET."""
        self.server.simulator.dispatch(self, "GET")

    def do_POST(self) -> None:
        """Answer a POST (admin reset only; 405 elsewhere)."""
        self.server.simulator.dispatch(self, "POST")

    def do_PUT(self) -> None:
        """Answer a PUT with 405."""
        self.server.simulator.dispatch(self, "PUT")

    def do_DELETE(self) -> None:
        """Answer a DELETE with 405."""
        self.server.simulator.dispatch(self, "DELETE")

    def do_PATCH(self) -> None:
        """Answer a PATCH with 405."""
        self.server.simulator.dispatch(self, "PATCH")

    def send(self, response: Response, *, truncate: bool = False) -> None:
        """Write a response with Content-Length (optionally only half the body)."""
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        body = response.body[: len(response.body) // 2] if truncate else response.body
        self.wfile.write(body)
        self.wfile.flush()
        if truncate:
            self.close_connection = True

    def drain_body(self) -> None:
        """Read and discard a request body so the connection stays in sync."""
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)


class Simulator:
    """A deterministic Twilio REST API on loopback for one main account + subaccounts.

    Data covers the UTC days [end - days, end); records are generated on demand.
    """

    def __init__(  # noqa: PLR0913 - public, keyword-only configuration
        self,
        *,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        end: dt.date | None = None,
        days: int = 30,
        messages_per_day: int = 40,
        calls_per_day: int = 15,
        latency: float = 0.0,
    ) -> None:
        """Configure the data set; nothing listens until start()."""
        self.seed = seed
        self.host = host
        self.port = port
        self.end = end or dt.datetime.now(dt.UTC).date()
        self.days = days
        self.latency = latency
        self.dataset = Dataset(
            seed=seed,
            end=self.end,
            days=days,
            messages_per_day=messages_per_day,
            calls_per_day=calls_per_day,
        )
        self.api = Api(self.dataset)
        self.faults = FaultSet()
        self._log_lock = threading.Lock()
        self._requests: list[RequestLogEntry] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle -------------------------------------------------------
    def start(self) -> Self:
        """Start serving in a background daemon thread; return self."""
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.simulator = self
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"twilio-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("Twilio simulator listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by the CLI)."""
        self.start()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        """Start and return self."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        self.stop()

    # -- ground truth and mutation ----------------------------------------
    def records(
        self, resource: str, account_sid: str = MAIN_ACCOUNT_SID
    ) -> Iterator[dict[str, Any]]:
        """Yield exactly the records the API serves, oldest first, whole range."""
        return self.dataset.records(resource, account_sid)

    def balance(self, account_sid: str = MAIN_ACCOUNT_SID) -> dict[str, Any]:
        """Return the Balance object served for an account."""
        return self.dataset.balance(account_sid)

    def update_record(self, resource: str, sid: str, **fields: object) -> None:
        """Override fields of a served record (a late change), keyed by sid.

        For usage records the key is 'category:YYYY-MM-DD' (their start_date);
        for 'balance' it is the account sid. Changing the field a record is
        dated by does not move it in order or date filters.
        """
        self.dataset.update(resource, sid, dict(fields))

    # -- request log and faults -------------------------------------------
    @property
    def requests(self) -> list[RequestLogEntry]:
        """Return a snapshot of the API request log (admin requests excluded)."""
        with self._log_lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Clear the request log."""
        with self._log_lock:
            self._requests.clear()

    def add_fault(self, fault: Fault) -> None:
        """Activate a fault."""
        self.faults.add(fault)

    def clear_faults(self) -> None:
        """Deactivate all faults."""
        self.faults.clear()

    def _log(self, method: str, path: str, query: str, status: int) -> None:
        """Append to the request log."""
        entry = RequestLogEntry(
            method, path, parse_qs(query, keep_blank_values=True), status
        )
        with self._log_lock:
            self._requests.append(entry)

    # -- request handling ---------------------------------------------------
    def dispatch(self, handler: _Handler, method: str) -> None:
        """Answer one request on handler (admin, faults, then the API)."""
        handler.drain_body()
        parts = urlsplit(handler.path)
        path, query = parts.path, parts.query
        if path.startswith(ADMIN_PREFIX):
            handler.send(self._admin(method, path))
            return
        if self.latency > 0:
            time.sleep(self.latency)
        fault = self.faults.match(path)
        if fault is not None and fault.kind == "drop":
            self._log(method, path, query, 0)
            handler.close_connection = True
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            response = status_error(fault.status, fault.retry_after)
        elif method != "GET":
            response = error(HTTPStatus.METHOD_NOT_ALLOWED, 20004, "Method not allowed")
        else:
            response = self._api(
                handler,
                path,
                query,
                foreign=fault is not None and fault.kind == "foreign_next_page",
            )
        self._log(method, path, query, response.status)
        handler.send(response, truncate=fault is not None and fault.kind == "truncate")

    def _api(
        self, handler: _Handler, path: str, query: str, *, foreign: bool
    ) -> Response:
        """Answer a GET through the API, turning simulator bugs into a 500."""
        try:
            return self.api.handle(
                path,
                {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()},
                handler.headers.get("Authorization"),
                foreign=foreign,
            )
        except Exception:
            logger.exception("Twilio simulator failed on %s", path)
            return error(500, 20500, "Internal Server Error")

    def _admin(self, method: str, path: str) -> Response:
        """Answer the unauthenticated /_sim/ admin interface."""
        if path == "/_sim/requests" and method == "GET":
            with self._log_lock:
                count = len(self._requests)
            return Response(200, json.dumps({"count": count}).encode())
        if path == "/_sim/reset" and method == "POST":
            self.reset_requests()
            return Response(200, json.dumps({"count": 0}).encode())
        return error(404, 20404, f"The requested resource {path} was not found")
