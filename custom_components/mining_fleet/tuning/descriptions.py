"""The tuning entities every miner kind shares: the active profile, the safety guard, per-profile statistics."""

from __future__ import annotations

from collections.abc import Callable
import functools
from typing import Any, Protocol

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import UnitOfEnergy, UnitOfPower, UnitOfTime
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import slugify

from ..const import DOMAIN
from ..entity import MiningFleetSelectDescription, MiningFleetSensorDescription
from ..logic.guard import ThrottleReason
from ..logic.profile_stats import ProfileStats
from ..miner.coordinator import MinerCoordinator
from .profiles import CUSTOM

GUARD_OK = "ok"
HASHRATE_TH = "TH/s"
EFFICIENCY_J_PER_TH = "J/TH"

type Miner = MinerCoordinator[Any]


class ProfileFigures(Protocol):
    """What a miner's (or the fleet's) statistics say about one profile."""

    @property
    def energy_kwh(self) -> float:
        """Return the energy used on the profile."""

    @property
    def average_hashrate_th(self) -> float | None:
        """Return the average hashrate on the profile."""

    @property
    def average_power_w(self) -> float | None:
        """Return the average power on the profile."""

    @property
    def efficiency_j_per_th(self) -> float | None:
        """Return joules per terahash on the profile."""


async def _select_profile(miner: Miner, option: str) -> None:
    """Apply the chosen profile with the miner's default transition; custom is not a profile to choose."""
    if option == CUSTOM:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="custom_not_selectable")
    await miner.tuning.async_apply_profile(option)


def _progress(miner: Miner) -> dict[str, Any]:
    """Return the ramp's "step k of N" (nothing while no ramp runs)."""
    progress = miner.tuning.progress
    return {"ramp_step": progress[0], "ramp_steps": progress[1]} if progress else {}


PROFILE_SELECT: MiningFleetSelectDescription[Miner] = MiningFleetSelectDescription(
    key="tuning_profile",
    translation_key="tuning_profile",
    options_fn=lambda miner: [*miner.tuning.profiles, CUSTOM],
    value_fn=lambda miner: miner.tuning.profile,
    set_fn=_select_profile,
    attributes_fn=_progress,
    exists_fn=lambda miner: bool(miner.tuning.profiles),
)

GUARD_SENSOR: MiningFleetSensorDescription[Miner] = MiningFleetSensorDescription(
    key="safety_guard",
    translation_key="safety_guard",
    device_class=SensorDeviceClass.ENUM,
    options=[GUARD_OK, *ThrottleReason],
    value_fn=lambda miner: str(miner.tuning.guard.reason or GUARD_OK),
)


def figure_sensors[C, F: ProfileFigures](
    name: str, figures: Callable[[C], F | None], *, enabled: bool = True
) -> tuple[MiningFleetSensorDescription[C], ...]:
    """Describe energy, average hashrate and power, and efficiency on one profile, named after it."""

    def sensor(stat: str, read: Callable[[F], float | None], **shape: Any) -> MiningFleetSensorDescription[C]:
        def value(source: C) -> float | None:
            found = figures(source)
            return None if found is None else read(found)

        return MiningFleetSensorDescription(
            key=f"profile_{slugify(name)}_{stat}",
            translation_key=f"profile_{stat}",
            translation_placeholders={"profile": name},
            value_fn=value,
            counter=True,  # totals and averages over the profile's whole time: they creep every poll
            entity_registry_enabled_default=enabled,
            **shape,
        )

    return (
        sensor(
            "energy",
            lambda found: found.energy_kwh,
            device_class=SensorDeviceClass.ENERGY,
            native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            state_class=SensorStateClass.TOTAL_INCREASING,
            suggested_display_precision=3,
            round_digits=4,
        ),
        sensor(
            "hashrate",
            lambda found: found.average_hashrate_th,
            native_unit_of_measurement=HASHRATE_TH,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=3,
            round_digits=5,
        ),
        sensor(
            "power",
            lambda found: found.average_power_w,
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.WATT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            round_digits=2,
        ),
        sensor(
            "efficiency",
            lambda found: found.efficiency_j_per_th,
            native_unit_of_measurement=EFFICIENCY_J_PER_TH,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            round_digits=2,
        ),
    )


def _ran(name: str) -> Callable[[Miner], ProfileStats | None]:
    """Return the reader of a miner's statistics on one profile (None before it ran)."""

    def read(miner: Miner) -> ProfileStats | None:
        stats = miner.tuning.stats.get(name)
        return stats if stats is not None and stats.seconds else None

    return read


def _time_in_profile(name: str) -> MiningFleetSensorDescription[Miner]:
    """Describe the hours a miner spent on one profile."""
    ran = _ran(name)
    return MiningFleetSensorDescription(
        key=f"profile_{slugify(name)}_time",
        translation_key="profile_time",
        translation_placeholders={"profile": name},
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
        round_digits=3,
        counter=True,
        entity_registry_enabled_default=False,
        value_fn=lambda miner: None if (stats := ran(miner)) is None else stats.hours,
    )


def tuning_sensors(miner: Miner) -> tuple[MiningFleetSensorDescription[Miner], ...]:
    """Return the guard and the statistics of every profile the miner has or has run."""
    return _sensors_for_profiles(tuple(dict.fromkeys([*miner.tuning.profiles, *miner.tuning.stats])))


@functools.lru_cache(maxsize=64)
def _sensors_for_profiles(names: tuple[str, ...]) -> tuple[MiningFleetSensorDescription[Miner], ...]:
    """Describe the guard and each profile's statistics, built once per set of names (asked every poll).

    A miner's statistics per profile are disabled by default: the fleet overview shows them per
    profile for all miners, and at hundreds of miners ten entities each cost memory and writes.
    """
    return (
        GUARD_SENSOR,
        *(
            sensor
            for name in names
            for sensor in (_time_in_profile(name), *figure_sensors(name, _ran(name), enabled=False))
        ),
    )
