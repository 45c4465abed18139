"""A server that lies about ids: the run writes only to what it proved its own.

Each test plants a customer's lead with instances (and another organization's data),
puts the hostile proxy in front of the emulator, and checks the proxy's log of every PUT
and DELETE against the ids that existed before the run, and the database byte for byte.
"""

from __future__ import annotations

import pytest

from contract.config import Config
from contract.errors import ContractError

from ._scene import Scene, keeps_promises, run_through
from .conftest import SceneFactory


def _paths_naming(scene: Scene, fragment: str) -> list[str]:
    return [s.target for s in scene.proxy.seen if fragment in s.target]


def test_a_lead_create_answered_with_a_customers_lead_id_deletes_nothing(
    hostile: SceneFactory,
) -> None:
    # Given a server whose answer to the run's lead create carries the customer's lead id
    with hostile("wrong_lead_id") as scene:
        # When a run goes through it
        result = run_through(scene)

        # Then nothing that existed was touched: no instance was put on that lead, and
        # the run deleted nothing at all, as its lead was never proven its own
        keeps_promises(scene, result, cleaned=False)
        assert scene.proxy.requests("POST", "custom_object/") == [], result.describe()
        assert scene.proxy.writes() == [], result.describe()
        # ...it says why, naming the lead it could not prove, and exits 3
        assert result.exit_code == 3, result.describe()
        assert scene.customer.lead_id in result.said, result.describe()


@pytest.mark.parametrize("mode", ["foreign_instance_id", "foreign_org_instance_id"])
def test_a_create_answered_with_an_existing_instance_id_leaves_that_instance_alone(
    hostile: SceneFactory, mode: str
) -> None:
    # Given a server whose create answers carry the id of an instance that existed before
    # (the customer's, or another organization's)
    with hostile(mode) as scene:
        foreign = (
            scene.customer.instance_id
            if mode == "foreign_instance_id"
            else scene.customer.other_org_instance_id
        )
        # When a run goes through it
        result = run_through(scene)

        # Then that instance was never written to, and what the run made is gone
        keeps_promises(scene, result)
        assert _paths_naming(scene, foreign) == [] or all(
            s.method == "GET" for s in scene.proxy.seen if foreign in s.target
        ), result.describe()
        # ...the read that placed it elsewhere is a violation (exit 1), and the cleanup
        # section lists the id as left alone, not provably the run's
        assert result.error is None and result.exit_code == 1, result.describe()
        assert result.cleanup is not None
        named = [line for line in result.cleanup.leftovers if foreign in line]
        assert named and all("not provably ours" in line for line in named), result.describe()


@pytest.mark.parametrize("mode", ["traversal_id", "newline_id", "huge_id"])
def test_a_malformed_id_in_a_create_answer_never_goes_into_a_url(
    hostile: SceneFactory, mode: str
) -> None:
    # Given a server whose create answers carry an id of the wrong shape:
    # "../lead/<customer lead>", a real id with a newline, or an id past 64 KiB
    with hostile(mode) as scene:
        # When a run goes through it
        result = run_through(scene)

        # Then no request named that id in any form, encoded or normalised away
        keeps_promises(scene, result)
        odd = [
            s.target[:120]
            for s in scene.proxy.seen
            if ".." in s.target
            or "%2e" in s.target.lower()
            or "%0a" in s.target.lower()
            or len(s.target) > 2048
        ]
        assert odd == [], result.describe()
        assert scene.proxy.requests("DELETE", f"lead/{scene.customer.lead_id}/") == []
        # ...and the id is a violation (ids carry their kind's shape): exit 1
        assert result.error is None and result.exit_code == 1, result.describe()


def test_a_lead_id_that_climbs_out_of_its_path_is_refused(hostile: SceneFactory) -> None:
    # Given --lead-id with a traversal after a valid prefix
    with hostile("passthrough") as scene:
        lead = f"{scene.customer.lead_id}/../../me"
        # When a run is asked to use it
        try:
            config: Config = scene.config(lead_id=lead)
        except ContractError as refused:
            code, said = refused.exit_code, str(refused)
        else:
            result = run_through(scene, config)
            code, said = result.exit_code, result.describe()
        # Then it is refused as a usage error (exit 2), and nothing was sent with it
        assert code == 2, said
        assert _paths_naming(scene, "..") == []


def test_a_list_that_lies_about_its_items_lead_proves_nothing(hostile: SceneFactory) -> None:
    # Given a server whose lists by lead_id claim the customer's instances for the run's
    # lead (each item's lead_id rewritten, the customer's instances added)
    with hostile("lying_list") as scene:
        # When a run goes through it (its cleanup searches its lead for strays)
        result = run_through(scene)

        # Then no customer instance was written to: a GET showed each on another lead
        keeps_promises(scene, result)
        for instance in scene.customer.instances:
            hits = [s for s in scene.proxy.writes() if instance["id"] in s.target]
            assert hits == [], result.describe()
        # ...and the run ended with its verdict, not an error
        assert result.error is None, result.describe()
        assert result.exit_code in (0, 1), result.describe()
