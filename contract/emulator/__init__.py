"""A faithful local stand-in for the Close REST API.

The emulator serves Close's custom object endpoints (and the few endpoints around
them that a contract run needs: `me/`, custom object types and fields, leads) from a
Starlette application backed by SQLite. It follows the facts gathered in
`docs/close-api.md` and never imports the rest of `contract`, so it cannot share the
checker's assumptions. Faults from `FAULTS` turn it into a server with a realistic
regression.

```python
from contract.emulator import EmulatorServer

with EmulatorServer() as srv:
    ...  # srv.base_url, srv.api_key, srv.other_api_key
```
"""

from __future__ import annotations

from contract.emulator._app import create_app
from contract.emulator._cli import serve_command
from contract.emulator._faults import FAULTS
from contract.emulator._seed import DEFAULT_API_KEY, OTHER_API_KEY
from contract.emulator._server import EmulatorServer

__all__ = [
    "DEFAULT_API_KEY",
    "FAULTS",
    "OTHER_API_KEY",
    "EmulatorServer",
    "create_app",
    "serve_command",
]
