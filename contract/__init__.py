"""close-contract: contract testing for the Close CRM Custom Object API.

The public surface is imported lazily, so loading the pytest plugin (which lives in this
package) costs nothing until a contract is actually used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract.config import Config
    from contract.engine import run
    from contract.errors import (
        AmbiguousRequest,
        CassetteError,
        ConfigurationError,
        ContractError,
        ContractViolation,
        ContractWarning,
        Regression,
        SchemaError,
        TargetUnreachable,
    )
    from contract.events import (
        BaselineCompared,
        CaseFinished,
        CleanupFinished,
        Event,
        LatencyCompared,
        PhaseFinished,
        PhaseStarted,
        Progress,
        RunFinished,
        RunStarted,
        Summary,
    )
    from contract.schemas import (
        list_schema_for,
        load_schema,
        request_schema_for,
        response_schema_for,
        update_schema_for,
        validator_for,
    )

from contract._version import __version__

_EXPORTS: dict[str, str] = {
    "AmbiguousRequest": "contract.errors",
    "CassetteError": "contract.errors",
    "ConfigurationError": "contract.errors",
    "ContractError": "contract.errors",
    "ContractViolation": "contract.errors",
    "ContractWarning": "contract.errors",
    "Regression": "contract.errors",
    "SchemaError": "contract.errors",
    "TargetUnreachable": "contract.errors",
    "Config": "contract.config",
    "run": "contract.engine",
    "BaselineCompared": "contract.events",
    "CaseFinished": "contract.events",
    "CleanupFinished": "contract.events",
    "Event": "contract.events",
    "LatencyCompared": "contract.events",
    "PhaseFinished": "contract.events",
    "PhaseStarted": "contract.events",
    "Progress": "contract.events",
    "RunFinished": "contract.events",
    "RunStarted": "contract.events",
    "Summary": "contract.events",
    "load_schema": "contract.schemas",
    "validator_for": "contract.schemas",
    "list_schema_for": "contract.schemas",
    "request_schema_for": "contract.schemas",
    "response_schema_for": "contract.schemas",
    "update_schema_for": "contract.schemas",
}

__all__ = [
    "AmbiguousRequest",
    "BaselineCompared",
    "CaseFinished",
    "CassetteError",
    "CleanupFinished",
    "Config",
    "ConfigurationError",
    "ContractError",
    "ContractViolation",
    "ContractWarning",
    "Event",
    "LatencyCompared",
    "PhaseFinished",
    "PhaseStarted",
    "Progress",
    "Regression",
    "RunFinished",
    "RunStarted",
    "SchemaError",
    "Summary",
    "TargetUnreachable",
    "__version__",
    "list_schema_for",
    "load_schema",
    "request_schema_for",
    "response_schema_for",
    "run",
    "update_schema_for",
    "validator_for",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'contract' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
