"""The answers Close's documentation shows, as the tests' fixed examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DOCUMENTED_EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "documented_examples.json").read_text("utf-8")
)
