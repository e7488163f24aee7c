"""Joining a Ray cluster, or starting a private one on this machine that listens on loopback only."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Iterator

from .._exceptions import ConfigurationError

__all__ = ["LOOPBACK_ENVIRONMENT", "connect", "first_line"]

#: The environment a private instance starts with, inherited by every process it spawns. The first two keep
#: it on this machine: on Linux Ray otherwise swaps 127.0.0.1 for the address of the interface its traffic
#: would leave by, and its usage reporter looks for cloud metadata servers. The third keeps Ray's runtime-env
#: agent from logging each runtime environment at INFO, which would write the API key into its log.
LOOPBACK_ENVIRONMENT = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_LOGGER_LEVEL": "warning",
}


def connect(address: str | None, *, num_cpus: int | None = None, quiet: bool = True) -> bool:
    """Make sure this process is a Ray driver; True when this call started a local instance (stop it after).

    ``address`` is a cluster's (``auto``, ``HOST:PORT``, ``ray://HOST:PORT``);
    None starts a private instance bound to 127.0.0.1 with ``num_cpus``
    logical CPUs and no dashboard, with Ray's token authentication on and a
    token made for it alone: the API key travels in its runtime environments,
    so no other process of this machine, whoever runs it, may submit work to
    it. A process already connected is left as it is. Raises
    ``ConfigurationError`` when the cluster cannot be reached.
    """
    import ray

    if ray.is_initialized():
        return False
    level = logging.ERROR if quiet else logging.INFO
    try:
        if address is None:
            with _loopback_only():
                ray.init(
                    # "local": a new instance even where RAY_ADDRESS or a `ray start` cluster would be joined.
                    address="local",
                    num_cpus=num_cpus,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    logging_level=level,
                    log_to_driver=not quiet,
                )
            return True
        _check_reachable(address)
        ray.init(address=address, logging_level=level, log_to_driver=not quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a local Ray instance" if address is None else f"the Ray cluster at {address}"
        raise ConfigurationError(f"cannot start or reach {where}: {first_line(exc)}") from None
    return False


def _check_reachable(address: str) -> None:
    """Fail at once for a HOST:PORT nothing answers at: Ray itself retries such an address without end."""
    if address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            pass
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot reach the Ray cluster at {address}: {first_line(exc)}") from None


@contextlib.contextmanager
def _loopback_only() -> Iterator[None]:
    """While a private instance starts: its processes inherit ``LOOPBACK_ENVIRONMENT``, and this process
    keeps 127.0.0.1 as the node address. Both are restored after, so joining a cluster later still works."""
    from ray._private import ray_constants

    saved_environment = {name: os.environ.get(name) for name in LOOPBACK_ENVIRONMENT}
    # Ray reads the variable once, when it is imported, which may be before this call.
    saved_flag = ray_constants.ENABLE_RAY_CLUSTER
    os.environ.update(LOOPBACK_ENVIRONMENT)
    # Token authentication, with a token of this instance's own. Ray turns token mode on for a new local
    # instance when RAY_AUTH_MODE is unset (and then reloads its own configuration, which setting the variable
    # here would skip), and takes the token from RAY_AUTH_TOKEN before its default file ~/.ray/auth_token, which
    # it writes 0644 when missing, so that every user of the machine could read it. The token stays set in this
    # process: Ray's processes inherit it, and its client reads it again on later calls.
    os.environ.pop("RAY_AUTH_MODE", None)
    os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_flag
        for name, value in saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def first_line(exc: BaseException) -> str:
    """An error's first line for a one-line message; its type's name when it has no text."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
