"""The ASGI layer every request crosses first: authentication, then rate limiting.

Close authenticates with HTTP Basic, the API key as username and an empty password
(DOC api-key-authentication), or with `Authorization: Bearer <token>` (DOC
oauth-authentication). Missing, unknown or malformed credentials answer 401 before
routing, so even unknown routes and wrong methods need a valid key. Every response
carries the `RateLimit` header (DOC rate-limits). The `drop_rate_limit_header` fault
leaves it off every answer but a 429 (a throttled client must learn when to retry), and
`fractional_rate_reset` gives its reset a fraction.
"""

from __future__ import annotations

import base64
import binascii

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract.emulator._ratelimit import RateDecision
from contract.emulator._seed import DEMO
from contract.emulator._state import PRINCIPAL_SCOPE_KEY, EmulatorState

__all__ = ["Gate", "read_credential"]

# Unauthenticated requests share one accounting bucket so that random keys cannot
# grow the limiter without bound.
_ANONYMOUS = "\x00anonymous"


def read_credential(authorization: str | None) -> tuple[str | None, str]:
    """The API key in an Authorization header, or None with the reason it is unusable."""
    if authorization is None or not authorization.strip():
        return None, "missing credentials (use Basic auth with the API key as username)"
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return (value, "") if value else (None, "empty Bearer token")
    if scheme.lower() != "basic":
        # Never echo the header: a client that forgot the scheme sent its key there.
        return None, "unsupported authorization scheme (use Basic or Bearer)"
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, "malformed Basic credentials (not base64 of 'key:')"
    username, colon, _password = decoded.partition(":")
    if not colon:
        return None, "malformed Basic credentials (expected 'key:')"
    # Close's password is always empty; a non-empty one is tolerated (INF) and the
    # username alone decides.
    if not username:
        return None, "empty API key"
    return username, ""


class Gate:
    """ASGI middleware: authenticate, account the request, stamp `RateLimit`."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key, problem = read_credential(Headers(scope=scope).get("authorization"))
        principal = None if key is None else self.state.store.principal_for_key(key)
        if key is not None and principal is None:
            problem = "unknown API key"
        if principal is None and "auth_not_enforced" in self.state.faults:
            principal = self.state.store.principal_for_label(DEMO)
        if principal is None:
            decision = self.state.limiter.account(_ANONYMOUS, may_throttle=False)
            headers: dict[str, str] = {}
            if "no_www_authenticate" not in self.state.faults:
                # RFC 9110 section 11.6.1: a 401 names the scheme it takes.
                headers["WWW-Authenticate"] = 'Basic realm="Close API"'
            if "drop_rate_limit_header" not in self.state.faults:
                headers["RateLimit"] = self._rate_limit(decision)
            response = JSONResponse(
                {"error": f"Unauthorized: {problem}."}, status_code=401, headers=headers
            )
            await response(scope, receive, send)
            return
        decision = self.state.limiter.account(principal.api_key)
        if decision.throttled:
            await self._too_many(decision, scope, receive, send)
            return
        scope[PRINCIPAL_SCOPE_KEY] = principal

        stamped = "drop_rate_limit_header" not in self.state.faults

        async def send_with_rate_limit(message: Message) -> None:
            if message["type"] == "http.response.start" and stamped:
                MutableHeaders(scope=message).append("RateLimit", self._rate_limit(decision))
            await send(message)

        await self.app(scope, receive, send_with_rate_limit)

    def _rate_limit(self, decision: RateDecision) -> str:
        """The `RateLimit` value of an answer, as the `fractional_rate_reset` fault has it."""
        if "fractional_rate_reset" in self.state.faults:
            return (
                f"limit={decision.limit}, remaining={decision.remaining}, "
                f"reset={decision.reset - 0.5}"
            )
        return decision.header()

    @staticmethod
    async def _too_many(decision: RateDecision, scope: Scope, receive: Receive, send: Send) -> None:
        # The request body is never read, so a throttled request has no effect.
        response = JSONResponse(
            {"error": f"Too many requests; retry in {decision.reset} seconds."},
            status_code=429,
            headers={"RateLimit": decision.header(), "Retry-After": str(decision.reset)},
        )
        await response(scope, receive, send)
