"""Transport retries: connection errors, timeouts, 429 and 5xx, with backoff that honours Retry-After.

Kept apart from validation re-asks (instructor's job): a transport retry
resends the same request because the server failed; a re-ask sends a new
request because the model's answer was wrong.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

__all__ = ["RetryPolicy", "is_transient", "retry_after_seconds"]


# Looked up at call time so tests can make every wait instant (summarizer.testing.instant_retries).
_sleep_impl: Callable[[float], None] = time.sleep
_async_sleep_impl: Callable[[float], Awaitable[None]] = asyncio.sleep


def _sleep(seconds: float) -> None:
    _sleep_impl(seconds)


async def _async_sleep(seconds: float) -> None:
    await _async_sleep_impl(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a request that failed in transport."""

    max_attempts: int = 4
    max_seconds: float = 300.0
    initial_wait: float = 1.0
    max_wait: float = 30.0
    #: Receives every wait in seconds.
    sleep: Callable[[float], None] = _sleep
    async_sleep: Callable[[float], Awaitable[None]] = _async_sleep

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        hinted = retry_after_seconds(outcome.exception()) if outcome is not None else None
        if hinted is not None:
            return min(hinted, self.max_wait)
        backoff = wait_exponential_jitter(multiplier=self.initial_wait, max=self.max_wait, jitter=self.initial_wait)
        return float(backoff(state))

    def _options(self) -> dict[str, Any]:
        return {
            "retry": retry_if_exception(is_transient),
            "wait": self._wait,
            "stop": stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_seconds),
            "reraise": True,
        }

    def retrying(self) -> Retrying:
        return Retrying(sleep=self.sleep, **self._options())

    def async_retrying(self) -> AsyncRetrying:
        return AsyncRetrying(sleep=self.async_sleep, **self._options())


def is_transient(exc: BaseException) -> bool:
    """Connection errors, timeouts, 408/409/429 and 5xx: worth sending again."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's requested wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(parsed.timestamp() - time.time(), 0.0)
