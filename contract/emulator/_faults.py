"""Registry of injectable faults: realistic regressions the emulator can exhibit.

Each fault is off by default. Turning one on makes the emulator deviate from Close's
documented behaviour in one observable way, so a contract checker can be shown to
notice it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FAULTS", "FaultSet", "UnknownFaultError"]

FAULTS: Mapping[str, str] = MappingProxyType(
    {
        "drop_date_updated": "custom object instances lack the date_updated key",
        "number_as_string": 'number custom values are returned as JSON strings ("42.5")',
        "naive_timestamps": "date_created/date_updated are rendered without a UTC offset",
        "wrong_id_prefix": "new custom object ids start with co_ instead of custobj_",
        "accept_invalid_choice": "a choices value outside the field's choices is accepted",
        "reject_unicode_name": "a name with any non-ASCII character is rejected with 400",
        "crash_on_unknown_field": "an unknown custom.<id> key makes create answer 500",
        "auth_not_enforced": "missing or invalid credentials are served as the demo user",
        "delete_returns_200": "DELETE custom_object answers 200 with {} instead of 204",
        "create_returns_200": "create answers 200 instead of 201",
        "lost_writes": "create answers 201 with an instance but stores nothing",
        "delete_noop": "DELETE custom_object answers 204 but the instance stays",
        "echo_rounds_numbers": "number custom values are stored and echoed rounded to integers",
        "truncates_long_text": "names and text values longer than 128 characters are stored "
        "cut to 128",
        "float32_numbers": "number custom values are stored in single precision (float32)",
        "mangles_astral_text": "characters outside the BMP (emoji) in names and text values "
        "are stored as U+FFFD",
        "multi_value_truncated": "a multi-value custom value keeps only its first 3 values",
        "list_empty": "listing custom objects always answers an empty page",
        "update_not_persisted": "PUT answers 200 with the merged instance but stores nothing",
        "null_not_removed": "PUT with a custom value set to null keeps the old value",
        "cross_org_read": "GET custom_object/{id}/ serves instances of other organizations",
        "error_not_json": "400 answers carry an HTML body (text/html)",
        "unknown_id_400": "an unknown custom_object id in the path answers 400, not 404",
        "list_ignores_lead": "listing custom objects ignores its lead_id filter (every lead's)",
        "put_replaces": "PUT replaces the custom values instead of merging (left-out ones go)",
        "null_removal_not_stored": "PUT answers a null-removed value as gone but stores it",
        "rejected_update_applied": "a PUT refused with 400 still stores the name it carried",
        "update_rewrites_organization": "PUT stores another organization's id in the instance",
        "update_by_another_user": "PUT names a user other than the key's as updated_by",
        "list_shows_deleted": "listing custom objects still shows deleted instances",
        "list_ignores_type": "listing custom objects ignores its custom_object_type_id filter",
        "skip_off_by_one": "a list with _skip > 0 skips one row too many",
        "update_rewrites_date_created": "PUT sets date_created to the time of the update",
        "put_resurrects_deleted": "PUT of a deleted instance brings it back (200) instead of 404",
        "update_timestamp_local_time": "PUT stamps date_updated in UTC-5 labelled as UTC",
        "get_serves_stale": "GET custom_object/{id}/ answers the instance before its last PUT",
        "multi_value_as_string": "a multi-value custom value holding one value is returned as "
        "that bare value, not a one-element list",
        "json_as_text_plain": "custom object answers carry their JSON as text/plain (same bytes)",
        "drop_rate_limit_header": "answers no longer carry the RateLimit header",
        "choices_widened": "every choices field offers one more choice, Legacy, which answers "
        "then hold (a value never seen before)",
        "fractional_rate_reset": "the RateLimit header's reset holds a number with a fraction "
        "(reset=0.5 where it held 1)",
        "lost_concurrent_update": "PUT reads the instance, waits until no other PUT arrived "
        "for 50 ms, then writes it back whole: partial updates that overlap overwrite each other",
        "concurrent_create_lost": "a create on a lead reads the lead's instances, waits until "
        "no other create arrived for 50 ms, then writes them back as read with its own: "
        "creates that overlap drop each other",
        "read_lags_concurrent_creates": "GET cannot find an instance whose create overlapped "
        "another create (404 for 1 s: a read replica lagging under concurrent writes)",
        "timestamps_in_future": "new and updated instances are stamped an hour ahead (local "
        "time in UTC+1 labelled as UTC)",
        "create_timestamp_local_time": "create stamps date_created and date_updated in UTC-5 "
        "labelled as UTC",
        "update_keeps_date_updated": "PUT changes the instance but leaves date_updated as it was",
        "cross_org_lead_reference": "create accepts a lead_id of another organization (the "
        "lead lookup ignores the organization)",
        "cross_org_user_reference": "a user custom value may name a user of another organization",
        "existence_leak_403": "GET, PUT and DELETE of another organization's custom object "
        "answer 403 while ids that exist nowhere answer 404",
        "fields_ignored": "GET custom_object/ and custom_object/{id}/ answer every key "
        "whatever _fields names",
        "limit_ignored": "listing custom objects ignores _limit (pages hold up to 100 items)",
        "limit_negative_500": "a negative or non-integer _limit on the custom object list "
        "answers 500",
        "bad_query_422": "a malformed _skip or _limit on the custom object list is refused "
        "with 422, not 400",
        "patch_accepted": "PATCH custom_object/{id}/ is served like PUT (200, and the "
        "instance changes) instead of 405",
        "no_allow_header": "405 answers lack the Allow header",
        "put_not_idempotent": "a PUT setting the name an instance already has stores it with "
        "' (2)' appended (a uniqueness check that counts the instance itself)",
        "malformed_id_500": "an instance id in the path with a character outside base62 "
        "answers 500",
        "id_suffix_ignored": "an instance id in the path followed by characters outside "
        "base62 finds the instance (they are stripped)",
        "stack_trace_in_errors": "400 answers carry the server's Python traceback",
        "no_www_authenticate": "401 answers lack the WWW-Authenticate header",
        "crash_on_huge_number": "a number custom value past 2**53 in magnitude makes create "
        "answer 500",
        "truncates_at_4096": "names and text values longer than 4,096 characters are stored "
        "cut to 4,096",
        "strips_zero_width_silently": "zero-width spaces, non-joiners, word joiners and byte "
        "order marks are removed from names and text values (the emoji joiner is kept)",
        "mass_assignment_accepted": "create stores the created_by and date_created a request "
        "sends instead of its own",
        "duplicate_keys_500": "a create body naming a top-level key twice answers 500",
        "key_names_normalised": "create reads top-level keys with whitespace and zero-width "
        "characters removed, so a look-alike of name counts as name",
        "text_values_capped": "custom text values longer than 16,384 characters are refused "
        "with 400 (names are not capped)",
    }
)


class UnknownFaultError(ValueError):
    """A fault name that is not in `FAULTS`."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(FAULTS))
        super().__init__(f"unknown fault {name!r}; known faults: {known}")
        self.name = name


@dataclass(frozen=True, slots=True)
class FaultSet:
    """The faults switched on for one emulator."""

    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> FaultSet:
        """Validate `names` against the registry; raise `UnknownFaultError` otherwise."""
        chosen = frozenset(names)
        for name in sorted(chosen):
            if name not in FAULTS:
                raise UnknownFaultError(name)
        return cls(chosen)

    def __contains__(self, name: object) -> bool:
        # A typo in the emulator's own code must not silently disable a fault.
        if name not in FAULTS:
            raise KeyError(f"not a registered fault: {name!r}")
        return name in self.names
