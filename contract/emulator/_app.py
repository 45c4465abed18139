"""Assembly of the Starlette application from the state and the endpoint groups."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from contract.emulator._custom_objects import CustomObjectEndpoints
from contract.emulator._gate import Gate
from contract.emulator._http import (
    ApiError,
    error_response,
    http_exception_response,
    server_error_response,
)
from contract.emulator._leads import LeadEndpoints
from contract.emulator._metadata import MetadataEndpoints
from contract.emulator._network import Network, NetworkConditions
from contract.emulator._state import EmulatorState

__all__ = ["build_app", "create_app"]


def create_app(
    *,
    faults: Iterable[str] = (),
    throttle: int | None = None,
    throttle_reset: float = 1.0,
    db_path: Path | str | None = None,
    api_key: str | None = None,
    seed: int = 0,
    chaos: float = 0.0,
    chaos_seed: int = 0,
    chaos_retry_after: int = 1,
    latency: float = 0.0,
    rate_limit: int | None = None,
    rate_window: float = 1.0,
    refuse_blank_text: bool = False,
) -> Starlette:
    """Build the emulator as a Starlette application.

    The database is opened (and seeded when fresh) right away and closed when the
    application's lifespan ends. `app.state.emulator` holds the live state. `chaos`,
    `chaos_seed`, `chaos_retry_after` and `latency` set the network conditions (see
    `EmulatorServer`); `rate_limit` requests per `rate_window` seconds per key are
    enforced with 429 when given. `refuse_blank_text` refuses blank and whitespace-padded
    text in names and required text fields (see `EmulatorServer`). Raises `ValueError`
    for an unknown fault name or an invalid throttle or network setting.
    """
    network = NetworkConditions(
        chaos=chaos, chaos_seed=chaos_seed, chaos_retry_after=chaos_retry_after, latency=latency
    )
    state = EmulatorState.open(
        faults=faults,
        throttle=throttle,
        throttle_reset=throttle_reset,
        db_path=None if db_path is None else Path(db_path),
        api_key=api_key,
        seed=seed,
        network=network,
        rate_limit=rate_limit,
        rate_window=rate_window,
        refuse_blank_text=refuse_blank_text,
    )
    return build_app(state)


def build_app(state: EmulatorState) -> Starlette:
    """Wire routes, network conditions, the auth/rate-limit gate and JSON error handlers."""
    routes: list[BaseRoute] = [
        *MetadataEndpoints(state).routes(),
        *LeadEndpoints(state).routes(),
        *CustomObjectEndpoints(state).routes(),
    ]

    def on_api_error(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, ApiError):  # pragma: no cover - registered for ApiError only
            raise exc
        return error_response(exc, state.faults)

    def on_http_exception(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException):  # pragma: no cover - registered for it only
            raise exc
        allow = None
        if exc.status_code == 405 and "no_allow_header" not in state.faults:
            allow = ", ".join(_methods_of(routes, request.scope))
        return http_exception_response(exc, allow)

    def on_crash(request: Request, exc: Exception) -> Response:
        return server_error_response()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.close()

    app = Starlette(
        routes=routes,
        # The network sits in front of everything: a refused request never reaches auth.
        middleware=[Middleware(Network, conditions=state.network), Middleware(Gate, state=state)],
        exception_handlers={
            ApiError: on_api_error,
            HTTPException: on_http_exception,
            Exception: on_crash,
        },
        lifespan=lifespan,
    )
    # A missing trailing slash is an unknown route (404 JSON), not a redirect.
    app.router.redirect_slashes = False
    app.state.emulator = state
    return app


def _methods_of(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves at the request's path, for a 405's `Allow` (HTTP
    lists the resource's methods there, not only those of the route that matched)."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**scope, "method": next(iter(route.methods))})
            if match is Match.FULL:
                methods |= route.methods
    return sorted(methods)
