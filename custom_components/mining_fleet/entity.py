"""The entity layer: a base entity and one generic entity class per platform, shared by every kind.

Descriptions are typed by the coordinator they read: `value_fn(coordinator)` on every platform,
`set_fn(coordinator, value)` / `press_fn(coordinator)` for actions. Actions call coordinator write
methods only (the one write path), which translate device errors and refresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
import math
from typing import Any, Protocol

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.number import NumberEntity, NumberEntityDescription
from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.components.sensor import RestoreSensor, SensorEntity, SensorEntityDescription
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .coordinator import MiningFleetCoordinator
from .logic.energy import EnergyIntegrator

type StateValue = float | str | datetime | None

# A counter (energy; time, energy and averages on a profile) creeps at every poll, so writing each
# step would store a row per counter per poll: at 500 miners thousands a minute. Its state is
# written at most once a minute; statistics compile every 5 minutes, and a restart restores the
# total at shutdown, not the last written state.
COUNTER_WRITE_INTERVAL = timedelta(minutes=1)


class Described[C](Protocol):
    """An entity description that knows whether its device has the entity."""

    @property
    def key(self) -> str:
        """Return the key, unique per device."""

    @property
    def exists_fn(self) -> Callable[[C], bool]:
        """Return the test of whether the device has the entity."""


@callback
def async_add_described[C: MiningFleetCoordinator[Any], D: Described[Any]](
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[[C, D], Entity],
    descriptions: Callable[[C], Iterable[D]],
    *,
    coordinator: C | None = None,
    config_subentry_id: str | None = None,
) -> None:
    """Add an entity per description the device has now, and later ones as soon as they appear.

    A miner that starts together with Home Assistant (after a power cut) reports no fans, no
    hashboards and no temperatures for its first polls; those entities come when the data does.
    The coordinator is the entry's runtime data unless given (one per watched rig, with its subentry).
    """
    source: C = entry.runtime_data if coordinator is None else coordinator
    added: set[str] = set()

    @callback
    def add_present() -> None:
        new = [
            description
            for description in descriptions(source)
            if description.key not in added and source.adds(description.key) and description.exists_fn(source)
        ]
        added.update(description.key for description in new)
        if new:
            async_add_entities(
                [entity_class(source, description) for description in new],
                config_subentry_id=config_subentry_id,
            )

    add_present()
    entry.async_on_unload(source.async_add_listener(add_present))


class MiningFleetEntity[C: MiningFleetCoordinator[Any]](CoordinatorEntity[C]):
    """An entity of the device its coordinator describes."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: C, description: EntityDescription) -> None:
        """Attach the entity to its device; the unique id is the coordinator's stable id plus the key."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.unique_id_base}_{description.key}"
        self._attr_device_info = coordinator.device_info
        self._written_reading: tuple[Any, ...] | None = None

    @property
    def is_counter(self) -> bool:
        """Return True for a counter, whose writes are spaced out."""
        return False

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the new state, unless it shows what was written last or a counter's growth can wait.

        At hundreds of miners most readings repeat from poll to poll; building a state only for
        Home Assistant to find it unchanged is most of the cost of a poll.
        """
        if self._growth_can_wait():
            return
        reading = self._reading()
        if reading is None or reading != self._written_reading:
            super()._handle_coordinator_update()

    @callback
    def async_write_ha_state(self) -> None:
        """Write the state, remembering what it shows (however the write came: added, updated, acted on)."""
        self._written_reading = self._reading()
        super().async_write_ha_state()

    def _reading(self) -> tuple[Any, ...] | None:
        """Return what the state shows, to compare with the last write (None: always write)."""
        return None

    def _growth_can_wait(self) -> bool:
        """Return True for a counter that only grew since its number was written less than a minute ago."""
        if not (self.is_counter and self.available) or self.state is None:
            return False  # going unknown or unavailable is news
        written = self.hass.states.get(self.entity_id)
        if written is None or written.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            return False
        return dt_util.utcnow() - written.last_updated < COUNTER_WRITE_INTERVAL

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return what the description adds (a ramp's progress, an alert's severity)."""
        attributes: Callable[[C], dict[str, Any]] | None = getattr(
            self.entity_description, "attributes_fn", None
        )
        return None if attributes is None else attributes(self.coordinator)


def always[C](_: C) -> bool:
    """Return True: the default exists_fn."""
    return True


@dataclass(frozen=True, kw_only=True)
class MiningFleetSensorDescription[C](SensorEntityDescription):
    """A sensor: how to read it, whether this device has it, and the precision worth storing."""

    value_fn: Callable[[C], StateValue]
    exists_fn: Callable[[C], bool] = always
    # Rounded before it is stored: noise below this precision only grows the recorder.
    round_digits: int | None = None
    attributes_fn: Callable[[C], dict[str, Any]] | None = None
    # A total or average that creeps with time alone (statistics on a profile): written at most once a minute.
    counter: bool = False


class MiningFleetSensor[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], SensorEntity):
    """A value read from the latest update."""

    entity_description: MiningFleetSensorDescription[C]

    @property
    def is_counter(self) -> bool:
        """Return True when the description is a counter."""
        return self.entity_description.counter

    def _reading(self) -> tuple[Any, ...]:
        """Return availability, value and attributes."""
        return (True, self.native_value, self.extra_state_attributes) if self.available else (False,)

    @property
    def native_value(self) -> StateValue:
        """Return the value, rounded to the precision worth storing."""
        value = self.entity_description.value_fn(self.coordinator)
        if not isinstance(value, float):
            return value
        if not math.isfinite(value):
            return None  # Home Assistant refuses non-finite states; the reading is unknown this poll
        digits = self.entity_description.round_digits
        return value if digits is None else round(value, digits)


@dataclass(frozen=True, kw_only=True)
class MiningFleetEnergyDescription[C](SensorEntityDescription):
    """An energy total integrated from a power reading (W)."""

    power_fn: Callable[[C], float | None]
    round_digits: int = 6


class EnergySensor[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], RestoreSensor):
    """Energy integrated from power readings, kept across restarts."""

    entity_description: MiningFleetEnergyDescription[C]
    is_counter = True

    def __init__(self, coordinator: C, description: MiningFleetEnergyDescription[C]) -> None:
        """Start from zero until the restored total arrives."""
        super().__init__(coordinator, description)
        self._integrator = EnergyIntegrator()

    async def async_added_to_hass(self) -> None:
        """Restore the running total, then count from the current reading on."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float | Decimal
        ):
            self._integrator.total_kwh = float(last.native_value)
        self._add_sample()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Add the new power reading to the total."""
        self._add_sample()
        super()._handle_coordinator_update()

    def _reading(self) -> tuple[Any, ...]:
        """Return availability and the total."""
        return (True, self.native_value) if self.available else (False,)

    def _add_sample(self) -> None:
        """Feed the latest power reading (or the lack of one) to the integrator."""
        self._integrator.add(dt_util.utcnow().timestamp(), self.entity_description.power_fn(self.coordinator))

    @property
    def native_value(self) -> float:
        """Return the total in kWh."""
        return round(self._integrator.total_kwh, self.entity_description.round_digits)


@dataclass(frozen=True, kw_only=True)
class MiningFleetBinarySensorDescription[C](BinarySensorEntityDescription):
    """A yes/no reading."""

    value_fn: Callable[[C], bool | None]
    exists_fn: Callable[[C], bool] = always
    # Connectivity sensors stay available so automations can trigger on the device going away.
    always_available: bool = False
    attributes_fn: Callable[[C], dict[str, Any]] | None = None


class MiningFleetBinarySensor[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], BinarySensorEntity):
    """A yes/no state read from the latest update."""

    entity_description: MiningFleetBinarySensorDescription[C]

    @property
    def available(self) -> bool:
        """Return False when the device is unreachable, unless the sensor reports exactly that."""
        return self.entity_description.always_available or super().available

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        return self.entity_description.value_fn(self.coordinator)

    def _reading(self) -> tuple[Any, ...]:
        """Return availability, state and attributes."""
        return (True, self.is_on, self.extra_state_attributes) if self.available else (False,)


@dataclass(frozen=True, kw_only=True)
class MiningFleetSwitchDescription[C](SwitchEntityDescription):
    """An on/off setting."""

    value_fn: Callable[[C], bool | None]
    set_fn: Callable[[C, bool], Awaitable[None]]
    exists_fn: Callable[[C], bool] = always


class MiningFleetSwitch[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], SwitchEntity):
    """Turn a setting on or off through the coordinator."""

    entity_description: MiningFleetSwitchDescription[C]

    @property
    def is_on(self) -> bool | None:
        """Return the state."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        await self.entity_description.set_fn(self.coordinator, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        await self.entity_description.set_fn(self.coordinator, False)


@dataclass(frozen=True, kw_only=True)
class MiningFleetNumberDescription[C](NumberEntityDescription):
    """A numeric setting; min/max are the safe range, and the coordinator checks it again."""

    value_fn: Callable[[C], float | None]
    set_fn: Callable[[C, float], Awaitable[None]]
    exists_fn: Callable[[C], bool] = always
    # A range the user configures (a container's setpoint limits) instead of the fixed one.
    range_fn: Callable[[C], tuple[float, float]] | None = None


class MiningFleetNumber[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], NumberEntity):
    """Set a number through the coordinator."""

    entity_description: MiningFleetNumberDescription[C]

    @property
    def native_min_value(self) -> float:
        """Return the lowest value allowed."""
        limits = self.entity_description.range_fn
        return super().native_min_value if limits is None else limits(self.coordinator)[0]

    @property
    def native_max_value(self) -> float:
        """Return the highest value allowed."""
        limits = self.entity_description.range_fn
        return super().native_max_value if limits is None else limits(self.coordinator)[1]

    @property
    def native_value(self) -> float | None:
        """Return the setting."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_set_native_value(self, value: float) -> None:
        """Send the value."""
        await self.entity_description.set_fn(self.coordinator, value)


@dataclass(frozen=True, kw_only=True)
class MiningFleetSelectDescription[C](SelectEntityDescription):
    """A setting chosen from a list the coordinator knows to be safe."""

    options_fn: Callable[[C], list[str]]
    value_fn: Callable[[C], str | None]
    set_fn: Callable[[C, str], Awaitable[None]]
    exists_fn: Callable[[C], bool] = always
    attributes_fn: Callable[[C], dict[str, Any]] | None = None


class MiningFleetSelect[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], SelectEntity):
    """Choose an option through the coordinator; an off-list value reads as unknown."""

    entity_description: MiningFleetSelectDescription[C]

    @property
    def options(self) -> list[str]:
        """Return the options."""
        return self.entity_description.options_fn(self.coordinator)

    @property
    def current_option(self) -> str | None:
        """Return the current option."""
        return self.entity_description.value_fn(self.coordinator)

    async def async_select_option(self, option: str) -> None:
        """Send the chosen option."""
        await self.entity_description.set_fn(self.coordinator, option)


@dataclass(frozen=True, kw_only=True)
class MiningFleetButtonDescription[C](ButtonEntityDescription):
    """A one-shot action."""

    press_fn: Callable[[C], Awaitable[None]]
    exists_fn: Callable[[C], bool] = always


class MiningFleetButton[C: MiningFleetCoordinator[Any]](MiningFleetEntity[C], ButtonEntity):
    """Run an action through the coordinator."""

    entity_description: MiningFleetButtonDescription[C]

    async def async_press(self) -> None:
        """Run the action."""
        await self.entity_description.press_fn(self.coordinator)
