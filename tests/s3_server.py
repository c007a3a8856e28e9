"""A moto S3 endpoint on 127.0.0.1 in a child process, with injectable latency and faults.

Run as a script it serves until killed and prints its port on the first line:
``python tests/s3_server.py [--serial]``. ``--serial`` lets moto handle one
request at a time, as S3 orders conditional writes; moto checks conditions
without a lock, so racing processes could see two winners there for moto's
reasons. Connections are kept alive between requests, as S3 keeps them
(werkzeug's own server closes every one, which costs a connection and a
server thread per request).

A small WSGI layer in front of moto answers ``/__persidict_test__/...``:
``POST .../faults`` with a JSON body ``{"latency": seconds, "faults": [...],
"method": "PUT"}`` where each fault (applied to the next matching request, in
order) is ``"500"`` (answer 500 InternalError, unapplied), ``"500-applied"`` (moto
applies the request, then the answer is 500 InternalError, as S3 may fail after
acting), ``"503"`` (answer 503 SlowDown), ``"403"`` (AccessDenied), ``"409"``
(ConditionalRequestConflict, S3's answer to racing conditional writes), ``"drop"``
(close the connection before moto sees the request) or ``"lost"`` (moto applies
the request, then the connection is closed before the response); any other
entry (``"ok"``) lets its request through, to space faults out. With
``"rate": r, "mix": [...], "seed": n`` in the body, each matching request past the
scripted faults meets, with probability ``r``, a fault drawn from ``mix``;
``GET .../count`` returns the number of S3 requests served so far.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from html import escape
from typing import Any

CONTROL = "/__persidict_test__/"
_ERROR_ANSWERS = {"500": ("500 Internal Server Error", "InternalError"),
                  "503": ("503 Slow Down", "SlowDown"), "403": ("403 Forbidden", "AccessDenied"),
                  "409": ("409 Conflict", "ConditionalRequestConflict")}
Environ = dict[str, Any]
StartResponse = Callable[..., Any]


class FaultInjector:
    """WSGI middleware: latency, scripted faults and a request counter in front of ``app``."""

    def __init__(self, app: Callable[[Environ, StartResponse], Iterable[bytes]], *,
                 serial: bool = False) -> None:
        self.app = app
        self.one_at_a_time = threading.Lock() if serial else contextlib.nullcontext()
        self.latency = 0.0
        self.faults: list[str] = []
        self.method: str | None = None
        self.rate = 0.0
        self.mix: list[str] = []
        self.chance = random.Random()
        self.served = 0
        self.injected = 0
        self.guard = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL):
            return self._control(path[len(CONTROL):], environ, start_response)
        with self.guard:
            self.served += 1
            fault = None
            if self.method in (None, environ["REQUEST_METHOD"]):
                if self.faults:
                    fault = self.faults.pop(0)
                elif self.rate and self.chance.random() < self.rate:
                    fault = self.chance.choice(self.mix)
            if fault in _ERROR_ANSWERS or fault in ("500-applied", "drop", "lost"):
                self.injected += 1
        if self.latency:
            time.sleep(self.latency)
        if fault == "500-applied":
            self._moto(environ, lambda *a, **k: None)
        if fault in _ERROR_ANSWERS or fault == "500-applied":
            status, code = _ERROR_ANSWERS[fault[:3]]
            start_response(status, [("Content-Type", "application/xml")])
            return [f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()]
        if fault == "drop":
            _drain(environ)
            _hang_up(environ, start_response)
            return [b""]
        if fault == "lost":
            self._moto(environ, lambda *a, **k: None)  # applied, then the answer is lost
            _hang_up(environ, start_response)
            return [b""]
        return self._moto(environ, start_response)

    def _moto(self, environ: Environ, start_response: StartResponse) -> list[bytes]:
        with self.one_at_a_time:
            return [b"".join(self.app(environ, start_response))]

    def _control(self, what: str, environ: Environ,
                 start_response: StartResponse) -> Iterable[bytes]:
        if what == "faults":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(size) or b"{}")
            with self.guard:
                self.latency = float(spec.get("latency", 0.0))
                self.faults = list(spec.get("faults", []))
                self.method = spec.get("method")
                self.rate = float(spec.get("rate", 0.0))
                self.mix = list(spec.get("mix", []))
                self.chance.seed(spec.get("seed"))
            answer = b"{}"
        elif what == "count":
            answer = json.dumps({"served": self.served, "injected": self.injected}).encode()
        else:
            start_response("404 Not Found", [])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [answer]


def _drain(environ: Environ) -> None:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    if size:
        environ["wsgi.input"].read(size)


def _hang_up(environ: Environ, start_response: StartResponse) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    start_response("500 Hung Up", [])  # the handler's write then meets the closed socket


def serve(serial: bool) -> None:
    """Serve moto's S3 behind a FaultInjector on a free port; print the port."""
    from moto.server import create_backend_app
    from werkzeug.serving import make_server

    # moto's S3 app itself: its multi-service dispatcher scans moto's package
    # folders on every request to find the service (40% of a GET's time).
    app = FaultInjector(create_backend_app("s3"), serial=serial)
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=_keep_alive_handler())
    print(server.server_port, flush=True)
    server.serve_forever()


def _keep_alive_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.wsgi import LimitedStream

    class KeepAliveHandler(WSGIRequestHandler):
        """werkzeug's WSGI handler, answering each request with a known length so
        that the connection can serve the next one."""

        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_request(self, *_: Any) -> None:
            pass  # nobody reads the line, and formatting it costs 5% of a request

        def run_wsgi(self) -> None:
            if self.headers.get("Expect", "").lower().strip() == "100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            environ = self.make_environ()
            if not environ.get("wsgi.input_terminated"):  # else already de-chunked
                size = int(environ.get("CONTENT_LENGTH") or 0)
                environ["wsgi.input"] = LimitedStream(environ["wsgi.input"], size)
            answer: list[Any] = []
            try:
                body = b"".join(self.server.app(
                    environ, lambda status, headers, exc_info=None: answer.extend(
                        (status, headers))))
            except Exception as e:  # moto failed: answer as S3 answers its own failures
                answer = ["500 Internal Server Error", [("Content-Type", "application/xml")]]
                body = (f"<Error><Code>InternalError</Code><Message>{escape(repr(e))}"
                        "</Message></Error>").encode()
            environ["wsgi.input"].read()  # whatever the app left unread
            try:
                self._answer(environ["REQUEST_METHOD"], *answer, body)
            except OSError:  # the fault layer hung up on purpose
                self.close_connection = True

        def _answer(self, method: str, status: str, headers: list[tuple[str, str]],
                    body: bytes) -> None:
            code, _, reason = status.partition(" ")
            self.send_response(int(code), reason)
            for key, value in headers:
                self.send_header(key, value)
            if not any(key.lower() == "content-length" for key, _ in headers) \
                    and method != "HEAD" and int(code) not in (204, 304):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)

    return KeepAliveHandler


class MotoServer:
    """A child process serving S3 on 127.0.0.1; ``url`` is its endpoint."""

    def __init__(self, *, serial: bool = False) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # The child's stderr goes to a file (a pipe nobody reads could fill and
        # block it), shown if the server does not start.
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept until stop()
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), *(["--serial"] if serial else [])],
            stdout=subprocess.PIPE, stderr=self.stderr, env=env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip():
            self.process.wait(30)  # it ended, or says no port: its stderr is complete
            self.stderr.seek(0)
            said = self.stderr.read().decode(errors="replace").strip()
            self.stop()
            raise RuntimeError(f"the moto server did not start (exit code"
                               f" {self.process.returncode}); its stderr:\n{said}")
        self.url = f"http://127.0.0.1:{int(line)}"

    def set_faults(self, *faults: str, latency: float = 0.0, method: str | None = None,
                   rate: float = 0.0, mix: Iterable[str] = (), seed: int | None = None) -> None:
        """Apply ``faults`` to the next matching requests, then a random fault of
        ``mix`` to each later one with probability ``rate``; ``latency`` to every one."""
        body = json.dumps({"faults": list(faults), "latency": latency, "method": method,
                           "rate": rate, "mix": list(mix), "seed": seed})
        request = urllib.request.Request(self.url + CONTROL + "faults", data=body.encode(),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def served(self) -> int:
        """How many S3 requests the endpoint has answered (or failed on purpose)."""
        return self._counts()["served"]

    def injected(self) -> int:
        """How many requests met a fault (scripted or random) so far."""
        return self._counts()["injected"]

    def _counts(self) -> dict[str, int]:
        with urllib.request.urlopen(self.url + CONTROL + "count", timeout=10) as response:
            return {k: int(v) for k, v in json.loads(response.read()).items()}

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self.stderr.close()


if __name__ == "__main__":
    serve(serial="--serial" in sys.argv)
