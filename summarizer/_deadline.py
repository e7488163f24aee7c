"""A deadline for a whole HTTP request: a server that trickles its answer cannot hold a run forever.

httpx's timeouts bound each network operation (connect, one read, one write),
so a server that sends a byte every few seconds never times out. The
transport here wraps another and bounds the whole exchange: the answer's
headers must arrive within the deadline (each read bounded by what is left of
it), and reading the body stops with ``httpx.ReadTimeout`` once it has
passed, which the client reports as a timeout like any other (and the
transport retries treat as transient). A trickle is therefore stopped at most
one read after the deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx2 as httpx  # the HTTP library of openai>=3

__all__ = ["DeadlineTransport"]


class DeadlineTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """``inner`` (sync or async) with at most ``seconds`` for each request, from sending to the answer's end."""

    def __init__(self, inner: httpx.BaseTransport | httpx.AsyncBaseTransport, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(self.inner, httpx.BaseTransport), "a sync client needs a sync transport"
        deadline = time.monotonic() + self.seconds
        response = self.inner.handle_request(_bounded(request, self.seconds))
        assert isinstance(response.stream, httpx.SyncByteStream)
        return _with_stream(response, _SyncBody(response.stream, deadline, request, self.seconds), request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(self.inner, httpx.AsyncBaseTransport), "an async client needs an async transport"
        deadline = time.monotonic() + self.seconds
        try:
            async with asyncio.timeout(self.seconds):
                response = await self.inner.handle_async_request(_bounded(request, self.seconds))
        except TimeoutError:
            raise _timed_out(request, self.seconds) from None
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return _with_stream(response, _AsyncBody(response.stream, deadline, request, self.seconds), request)

    def close(self) -> None:
        if isinstance(self.inner, httpx.BaseTransport):
            self.inner.close()

    async def aclose(self) -> None:
        if isinstance(self.inner, httpx.AsyncBaseTransport):
            await self.inner.aclose()


def _bounded(request: httpx.Request, seconds: float) -> httpx.Request:
    """Each network operation of ``request`` bounded by the deadline at most (a client may allow longer)."""
    given = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        name: seconds if given.get(name) is None else min(given[name], seconds)
        for name in ("connect", "read", "write", "pool")
    }
    return request


def _with_stream(
    response: httpx.Response, stream: httpx.SyncByteStream | httpx.AsyncByteStream, request: httpx.Request
) -> httpx.Response:
    return httpx.Response(
        response.status_code, headers=response.headers, stream=stream, extensions=response.extensions, request=request
    )


def _timed_out(request: httpx.Request, seconds: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"no whole answer within {seconds:g} s", request=request)


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: float, request: httpx.Request, seconds: float) -> None:
        self.inner, self.deadline, self.request, self.seconds = inner, deadline, request, seconds

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            if time.monotonic() > self.deadline:
                raise _timed_out(self.request, self.seconds)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, deadline: float, request: httpx.Request, seconds: float) -> None:
        self.inner, self.deadline, self.request, self.seconds = inner, deadline, request, seconds

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self.inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(asyncio.get_running_loop().time() + self.deadline - time.monotonic()):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise _timed_out(self.request, self.seconds) from None
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()
