"""The stateful phase's reads: an instance by id, and the lists of the run's leads, whole
and walked page by page; every answer judged against what the model holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.stateful._base import StepsBase, json_of
from contract.stateful._model import Instance

__all__ = ["ReadSteps"]

_MAX_PAGES = 20


class ReadSteps(StepsBase):
    """The steps that only read."""

    def get(self, handle: int) -> None:
        """GET an instance: a live one as the model says, a deleted one 404."""
        instance = self.instance(handle)
        if instance is None or not self.step("get", handle=handle):
            return
        self._read(instance)

    def _read(self, instance: Instance, **extra: Any) -> None:
        path = self.path(instance)
        if instance.state == "deleted":
            exchange = self.send("valid:retrieve_deleted", "GET", path)
            if exchange is not None:
                self.judge_gone(exchange, "retrieve", instance)
            return
        exchange = self.send("valid:retrieve", "GET", path)
        if exchange is None:
            return
        tc = self._tc(instance)
        self.judge(
            self.ctx(
                exchange,
                "retrieve",
                frozenset({200}),
                validator=tc.response_validator,
                field_types=tc.field_types,
                instance_id=instance.object_id,
                prediction=self._prediction(instance, **extra),
                note=extra.pop("note", ""),
                step="read_after_refusal" if extra.get("after_rejected") else "read",
            ),
        )
        self.model.observed(instance, json_of(exchange))

    def list_lead(self, lead: str, type_id: str | None, skip: int | None) -> None:
        """GET the list of one of the run's leads, maybe of one type, maybe from ``skip``."""
        if not self.step("list", lead=lead, type_id=type_id, skip=skip):
            return
        params = {"lead_id": lead}
        if type_id:
            params["custom_object_type_id"] = type_id
        if skip:
            params["_skip"] = str(skip)
        exchange = self.send("valid:list", "GET", "custom_object/", params=params)
        if exchange is None:
            return
        prediction = {
            **self.model.listing(lead, type_id),
            "subset": bool(skip),
            "organization_id": self.model.organization_id,
        }
        field_types: dict[str, str] = {}
        for tc in self.model.types.values():
            field_types.update(tc.field_types)
        self.judge(
            self.ctx(
                exchange,
                "list",
                frozenset({200}),
                field_types=field_types,
                prediction=prediction,
                step="list",
            ),
        )

    def list_paged(self, lead: str, type_id: str | None, limit: int) -> None:
        """Walk the list with ``_limit`` and ``_skip``; compare with the unpaged list."""
        if not self.step("list_paged", lead=lead, type_id=type_id, limit=limit):
            return
        params = {"lead_id": lead, **({"custom_object_type_id": type_id} if type_id else {})}
        whole = self.send("valid:list", "GET", "custom_object/", params=params)
        body = json_of(whole) if whole is not None else None
        if (
            not isinstance(body, Mapping)
            or whole is None
            or whole.status != 200
            or body.get("has_more")
        ):
            return  # the unpaged list itself is judged by the list step
        unpaged = [i.get("id") for i in body.get("data") or [] if isinstance(i, Mapping)]
        pages: list[list[Any]] = []
        skip, more, last = 0, True, whole
        for _ in range(_MAX_PAGES):
            query = {**params, "_limit": str(limit), **({"_skip": str(skip)} if skip else {})}
            page = self.send("valid:list", "GET", "custom_object/", params=query)
            if page is None:
                return
            last = page
            data = json_of(page)
            if page.status != 200 or not isinstance(data, Mapping):
                return  # a refused page: not_a_server_error / baselines judge it
            items = [i.get("id") for i in data.get("data") or [] if isinstance(i, Mapping)]
            pages.append(items)
            more = bool(data.get("has_more"))
            if not more or not items or len(items) > limit:
                break
            skip += len(items)
        prediction = {
            "limit": limit,
            "pages": pages,
            "unpaged": unpaged,
            "more_at_end": more and bool(pages[-1]) and len(pages[-1]) <= limit,
        }
        self.judge(self.ctx(last, "walk", frozenset({200}), prediction=prediction))
