"""Small collecting validators for the supporting resources (types, fields, leads).

Like Close's framework they record every problem under its request key and raise one
400 at the end (`{"errors": [], "field-errors": {...}}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.emulator._http import validation_error

__all__ = ["PayloadChecker"]

REQUIRED = "This field is required."


class PayloadChecker:
    """Reads typed values out of a JSON object, collecting errors per key."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload = payload
        self.errors: dict[str, str] = {}

    def fail(self, key: str, message: str) -> None:
        """Record a problem with `key` (the first one per key wins)."""
        self.errors.setdefault(key, message)

    def required_text(self, key: str) -> str:
        """A non-blank string that must be present."""
        value = self.payload.get(key)
        if value is None:
            self.fail(key, REQUIRED)
        elif not isinstance(value, str):
            self.fail(key, "Value must be a string.")
        elif not value.strip():
            self.fail(key, "This field cannot be blank.")
        else:
            return value
        return ""

    def optional_text(self, key: str) -> str | None:
        """A string or null; absent means null."""
        value = self.payload.get(key)
        if value is None or isinstance(value, str):
            return value
        self.fail(key, "Value must be a string.")
        return None

    def optional_bool(self, key: str, default: bool) -> bool:
        """A boolean; absent or null means `default`."""
        value = self.payload.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.fail(key, "Value must be a boolean.")
        return default

    def optional_strings(self, key: str) -> list[str]:
        """A list of distinct non-empty strings; absent or null means empty."""
        value = self.payload.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            self.fail(key, "Value must be a list of non-empty strings.")
            return []
        if len(set(value)) != len(value):
            self.fail(key, "Values must be distinct.")
            return []
        return list(value)

    def optional_objects(self, key: str) -> list[Mapping[str, Any]]:
        """A list of JSON objects; absent or null means empty."""
        value = self.payload.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(key, "Value must be a list of objects.")
            return []
        return list(value)

    def raise_on_errors(self) -> None:
        """Raise the collected problems as one 400 `ApiError`."""
        if self.errors:
            raise validation_error(self.errors)
