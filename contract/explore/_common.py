"""What the explore modules share: optional imports and frame building."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, TypeVar

from contract.baseline import Baseline
from contract.errors import ConfigurationError

if TYPE_CHECKING:
    # pandas ships no type information; its frames are Any to the type checker.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

T = TypeVar("T")
References = Mapping[str, Sequence[str]]
BaselineSource = Baseline | str | os.PathLike[str]

_EXTRA_HINT: Final = "install the notebooks extra: pip install 'close-contract[notebooks]'"
_SUCCESS: Final = frozenset(range(200, 300))


def _frame(
    pandas: ModuleType, rows: list[dict[str, Any]], columns: Sequence[str], optional: Iterable[str]
) -> pd.DataFrame:
    """A frame of ``rows``; ``optional`` text columns keep None (not NaN) where unset."""
    data = {
        name: pandas.Series([row[name] for row in rows], dtype=object if name in optional else None)
        for name in columns
    }
    return pandas.DataFrame(data, columns=list(columns))


def _optional(module: str, needed_by: str) -> ModuleType:
    """Import an optional dependency, or say which extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".", 1)[0]
        raise ConfigurationError(
            f"{needed_by} needs {package}, which is not installed: {_EXTRA_HINT}"
        ) from None
