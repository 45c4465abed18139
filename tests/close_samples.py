"""Sample Custom Object Type definitions shared by the tests (importable as ``close_samples``)."""

from __future__ import annotations

from typing import Any

TYPE_ID = "cotype_1h5m6uHM9BZOpwVhyRJb4Y"
OTHER_TYPE = "cotype_0a1b2c3d4e5f6g7h8i9j0k"
TYPE = {"id": TYPE_ID, "name": "Subscription", "fields": []}


def cf(name: str) -> str:
    return "cf_" + (name * 43)[:43]


FIELDS: list[dict[str, Any]] = [
    {"id": cf("text"), "name": "Notes", "type": "text"},
    {"id": cf("num"), "name": "Seats", "type": "number", "required": True},
    {"id": cf("date"), "name": "Start", "type": "date"},
    {"id": cf("dt"), "name": "Renewal", "type": "datetime"},
    {"id": cf("plan"), "name": "Plan", "type": "choices", "choices": ["Basic", "Pro"]},
    {
        "id": cf("chan"),
        "name": "Channels",
        "type": "choices",
        "choices": ["Email", "Phone"],
        "accepts_multiple_values": True,
    },
    {"id": cf("user"), "name": "Owner", "type": "user"},
    {"id": cf("cont"), "name": "Contact", "type": "contact"},
    {
        "id": cf("asset"),
        "name": "Asset",
        "type": "custom_object",
        "referenced_custom_type_id": OTHER_TYPE,
    },
]
for field in FIELDS:
    field["custom_object_type_id"] = TYPE_ID

BASE = {
    "custom_object_type_id": TYPE_ID,
    "lead_id": "lead_hwnL36A2iEMSLIlmGhsdrcmOJzTUzqEHwr66wrA1K2T",
    "name": "Resource",
    f"custom.{cf('num')}": 12,
}
FULL = {
    **BASE,
    f"custom.{cf('text')}": "hello",
    f"custom.{cf('date')}": "2024-02-29",
    f"custom.{cf('dt')}": "2024-02-29T10:11:12.345+02:00",
    f"custom.{cf('plan')}": "Pro",
    f"custom.{cf('chan')}": ["Email", "Phone"],
    f"custom.{cf('user')}": "user_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk",
    f"custom.{cf('cont')}": "cont_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk",
    f"custom.{cf('asset')}": "custobj_v0VS1AZAg8LjnpBm1hZz83UZ3yWK0n9SdVV5i8yC6he",
}
