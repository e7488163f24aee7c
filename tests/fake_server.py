"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for fault tests.

Each request to /v1/chat/completions is answered by ``handler(request_json)``,
which returns a ``Reply``. Nothing here listens on anything but loopback.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from summarizer.testing import FirstToken, completion


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Seconds between the body's bytes: a server that trickles its answer.
    trickle: float = 0.0


def completion_body(content: str, *, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "fake-model",
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def ok(content: str | dict[str, Any] | FirstToken) -> Reply:
    if isinstance(content, FirstToken):  # a probability question: the first token and its log-probs
        ranked = dict(sorted(content.probabilities.items(), key=lambda pair: -pair[1]))
        return Reply(body=completion(next(iter(ranked)), model="fake-model", top=ranked).model_dump(mode="json"))
    return Reply(body=completion_body(content if isinstance(content, str) else json.dumps(content)))


@dataclass
class FakeServer:
    base_url: str
    requests: list[dict[str, Any]]
    in_flight_peak: list[int]
    #: Each chat request's HTTP headers, lower-cased names.
    headers: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def serve(handler: Callable[[dict[str, Any]], Reply]) -> Iterator[FakeServer]:
    requests: list[dict[str, Any]] = []
    headers: list[dict[str, str]] = []
    lock = threading.Lock()
    state = {"in_flight": 0}
    peak = [0]

    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as real servers: the client pools connections, which must be closed in their event loop.
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.endswith("/models"):
                self._send(Reply(body={"object": "list", "data": [{"id": "fake-model", "object": "model"}]}))
            else:
                self._send(Reply(status=404, body={"error": {"message": "no such path"}}))

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            request = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                requests.append(request)
                headers.append({name.lower(): value for name, value in self.headers.items()})
                state["in_flight"] += 1
                peak[0] = max(peak[0], state["in_flight"])
            try:
                reply = handler(request)
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply)
            finally:
                with lock:
                    state["in_flight"] -= 1

        def _send(self, reply: Reply) -> None:
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.trickle:
                    for byte in payload:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(reply.trickle)
                else:
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeServer(f"http://127.0.0.1:{server.server_address[1]}/v1", requests, peak, headers)
    finally:
        server.shutdown()
        server.server_close()
