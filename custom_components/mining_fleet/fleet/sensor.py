"""Fleet overview sensors: totals over every loaded miner."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import (
    EnergySensor,
    MiningFleetEnergyDescription,
    MiningFleetSensor,
    MiningFleetSensorDescription,
    async_add_described,
)
from ..logic.profile_stats import FleetProfileStats
from ..miner.descriptions import HASHRATE_TH, count_sensor, efficiency_sensor, hashrate_sensor, power_sensor
from ..tuning.descriptions import figure_sensors
from .coordinator import FleetConfigEntry, FleetCoordinator

type Description = MiningFleetSensorDescription[FleetCoordinator]


FLEET_SENSORS: tuple[Description, ...] = (
    hashrate_sensor(
        "total_hashrate", lambda coordinator: coordinator.data.hashrate_ths, unit=HASHRATE_TH, precision=2
    ),
    power_sensor(lambda coordinator: coordinator.data.power_w, precision=0),
    efficiency_sensor(lambda coordinator: coordinator.data.efficiency_j_per_th),
    count_sensor("miners_online", lambda coordinator: coordinator.data.online),
    count_sensor("miners_total", lambda coordinator: coordinator.data.miners),
    count_sensor("miners_mining", lambda coordinator: coordinator.data.mining),
)

# Integrated from the total power, so a miner leaving the fleet lowers the rate, never the total
# (a drop in a total_increasing sensor would read as a meter reset in the Energy dashboard).
FLEET_ENERGY: MiningFleetEnergyDescription[FleetCoordinator] = MiningFleetEnergyDescription(
    key="energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=3,
    power_fn=lambda coordinator: coordinator.data.power_w,
)


async def async_setup_entry(
    hass: HomeAssistant, entry: FleetConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the fleet totals."""
    async_add_entities([EnergySensor(entry.runtime_data, FLEET_ENERGY)])
    async_add_described(entry, async_add_entities, MiningFleetSensor, lambda _: FLEET_SENSORS)
    async_add_described(entry, async_add_entities, MiningFleetSensor, _profile_sensors)


def _profile_sensors(coordinator: FleetCoordinator) -> list[Description]:
    """Return energy, average hashrate and power, and efficiency per profile any miner has run."""
    return [sensor for name in coordinator.profiles for sensor in figure_sensors(name, _figures_of(name))]


def _figures_of(name: str) -> Callable[[FleetCoordinator], FleetProfileStats | None]:
    """Return the reader of the fleet's statistics on one profile."""
    return lambda fleet: fleet.profiles.get(name)
