"""A large fleet that never chose its entity set is offered Essential only, through Home Assistant's repairs."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.mining_fleet.bitaxe.coordinator import BitaxeCoordinator
from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, KIND_BITAXE
from custom_components.mining_fleet.fleet import large_fleet
from custom_components.mining_fleet.miner.registry import fleet_registry
from custom_components.mining_fleet.vnish.coordinator import VNishCoordinator

from ..conftest import MinerSetup, VNishSetup, fleet_entry, set_up_entry
from .test_entity_set import _choose, _farm, _keys


def _suggestion(hass: HomeAssistant) -> ir.IssueEntry | None:
    """Return the repair issue that suggests Essential only, if it is raised."""
    return ir.async_get(hass).async_get_issue(DOMAIN, large_fleet.ISSUE_LARGE_FLEET)


async def _start_fix(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> tuple[Any, dict[str, Any]]:
    """Open the suggestion's fix flow as the Repairs page does; return the client and the first step."""
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    reply = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": large_fleet.ISSUE_LARGE_FLEET}
    )
    assert reply.status == HTTPStatus.OK
    return client, await reply.json()


async def _submit_fix(client: Any, form: dict[str, Any]) -> tuple[str, str | None]:
    """Submit the fix's confirm step; return how the flow ended and why."""
    reply = await client.post(f"/api/repairs/issues/fix/{form['flow_id']}", json={})
    result = await reply.json()
    return result["type"], result.get("reason")


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Call two miners a large fleet, so the tests need not start a hundred."""
    monkeypatch.setattr(large_fleet, "MINERS_FOR_ESSENTIAL_SUGGESTION", 2)


@pytest.mark.usefixtures("small_threshold")
async def test_the_fix_keeps_every_miner_to_its_essential_entities(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Raised for a large fleet that never chose; submitting the fix chooses Essential only and withdraws it."""
    bitaxe, antminer, fleet = await _farm(hass, setup_miner, setup_vnish)
    issue = _suggestion(hass)
    assert issue is not None and issue.is_fixable and issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {"miners": "2"}

    client, form = await _start_fix(hass, hass_client)
    assert (form["type"], form["step_id"]) == ("form", "confirm")
    assert form["description_placeholders"] == {"miners": "2"}
    assert await _submit_fix(client, form) == ("create_entry", None)
    await hass.async_block_till_done()

    assert fleet.options == {"entity_set": "essential"}
    assert _keys(hass, bitaxe) == BitaxeCoordinator.essential_keys
    assert _keys(hass, antminer) == VNishCoordinator.essential_keys
    assert _suggestion(hass) is None


@pytest.mark.usefixtures("small_threshold")
async def test_a_choice_made_in_configure_is_never_questioned(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Choosing All on purpose withdraws the suggestion, and a miner reloading does not raise it again."""
    bitaxe, _, fleet = await _farm(hass, setup_miner, setup_vnish)
    assert _suggestion(hass) is not None
    await _choose(hass, fleet, "all")
    assert _suggestion(hass) is None
    assert await hass.config_entries.async_reload(bitaxe.entry_id)
    await hass.async_block_till_done()
    assert _suggestion(hass) is None


async def test_no_suggestion_for_a_small_fleet(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Below a hundred miners every entity costs little: nothing is suggested."""
    await _farm(hass, setup_miner, setup_vnish)
    assert large_fleet.MINERS_FOR_ESSENTIAL_SUGGESTION == 100
    assert _suggestion(hass) is None


@pytest.mark.usefixtures("small_threshold")
async def test_the_suggestion_goes_with_the_overview(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Removing the overview withdraws it; a fix already open then ends saying why, changing nothing."""
    _, _, fleet = await _farm(hass, setup_miner, setup_vnish)
    client, form = await _start_fix(hass, hass_client)
    await hass.config_entries.async_remove(fleet.entry_id)
    await hass.async_block_till_done()
    assert _suggestion(hass) is None
    assert await _submit_fix(client, form) == ("abort", "fleet_overview_unavailable")


@pytest.mark.usefixtures("small_threshold")
async def test_a_choice_saved_while_the_fix_is_open_stays(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """All saved in Configure while the fix waits: submitting the fix changes nothing."""
    _, _, fleet = await _farm(hass, setup_miner, setup_vnish)
    client, form = await _start_fix(hass, hass_client)
    await _choose(hass, fleet, "all")
    assert await _submit_fix(client, form) == ("abort", "already_chosen")
    assert fleet.options == {"entity_set": "all"}


@pytest.mark.usefixtures("small_threshold")
async def test_ignore_lasts_through_a_reload_and_ends_with_disabling(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Ignored, it stays ignored when the overview or a miner reloads; disabling the overview withdraws it."""
    bitaxe, _, fleet = await _farm(hass, setup_miner, setup_vnish)
    ir.async_ignore_issue(hass, DOMAIN, large_fleet.ISSUE_LARGE_FLEET, True)
    for entry in (fleet, bitaxe):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        issue = _suggestion(hass)
        assert issue is not None and issue.dismissed_version is not None
    await hass.config_entries.async_set_disabled_by(fleet.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    assert _suggestion(hass) is None


@pytest.mark.usefixtures("small_threshold")
async def test_the_overview_starting_before_its_miners_suggests_at_once(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """At start-up the overview loads before the miners answer: configured miners count, not loaded ones."""
    _, bitaxe = await setup_miner("2.15")
    waiting = MockConfigEntry(domain=DOMAIN, data={CONF_KIND: KIND_BITAXE, CONF_HOST: "127.0.0.1:9"})
    waiting.add_to_hass(hass)  # configured, not set up: as while Home Assistant starts
    await set_up_entry(hass, fleet_entry())
    assert len(fleet_registry(hass)) == 1
    assert _suggestion(hass) is not None
    await hass.config_entries.async_remove(waiting.entry_id)
    assert await hass.config_entries.async_reload(bitaxe.entry_id)  # the fleet's membership changes
    await hass.async_block_till_done()
    assert _suggestion(hass) is None
