"""Antspace cooling containers (HK3 hydro, Immersion): the wire tables and defensive parsers.

Field names are the wire format, typos included (colding_tower_inlet_temp, feedback_fre,
power_distribution_Fault, lever_* for level). Values arrive as numbers, numeric strings, booleans
as bool / 0/1 / "true"; anything unreadable is None, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import enum
from typing import Any

from .errors import ApiResponseError
from .parse import as_number, flag, mapping, number, text, whole

# Real units send this (or lower) for a chip temperature they do not have.
SENTINEL_BELOW = -100000
# The only temperature rule in the vendor's worker: a supply this cold (and not 0, "no reading") is an alert.
LOW_SUPPLY_C = 20.0


class Model(enum.StrEnum):
    """A container model."""

    HK3 = "hk3"
    IMMERSION = "immersion"


class Severity(enum.StrEnum):
    """How urgent an alert is, most urgent first in RANK."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"


RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2}


class Status(enum.StrEnum):
    """The container's state: any fault is an error; else running when its main pump runs."""

    RUNNING = "running"
    STOPPED = "stopped"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class FaultFlag:
    """A fault flag on the wire and the alert it raises."""

    key: str
    alert: str
    severity: Severity
    message: str
    # The vendor's own fault flags set the status to error; the extra problems we expose do not.
    vendor: bool = True


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value on the wire and how to turn it into our unit (times scale)."""

    key: str
    scale: float = 1.0


def _fault(key: str, severity: Severity, message: str, alert: str | None = None) -> FaultFlag:
    """Describe a fault flag; the alert is named after the flag unless several flags share one."""
    return FaultFlag(key, alert or key, severity, message)


def _extra(key: str, severity: Severity, message: str) -> FaultFlag:
    """Describe a flag on the wire the vendor does not map: a problem and an alert, not an error status."""
    return FaultFlag(key, key, severity, message, vendor=False)


C, H, M = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM

HK3_FAULTS: tuple[FaultFlag, ...] = (
    _fault("power_fault", M, "Power fault"),
    _fault("liquid_level_low", M, "Liquid level low"),
    _fault("circulating_pump_fault", C, "Circulating pump fault"),
    _fault("fan1_fault", H, "Exhaust fan 1 fault", "fan_fault"),
    _fault("fan2_fault", H, "Exhaust fan 2 fault", "fan_fault"),
    _fault("fluid_infusion_pump_fault", H, "Fluid infusion pump fault"),
    _fault("spray_pump_fault", H, "Spray pump fault"),
    _fault("cooling_tower_fan1_fault", H, "Cooling tower fan 1 fault", "cooling_tower_fan_fault"),
    _fault("cooling_tower_fan2_fault", H, "Cooling tower fan 2 fault", "cooling_tower_fan_fault"),
    _fault("cooling_tower_fan3_fault", H, "Cooling tower fan 3 fault", "cooling_tower_fan_fault"),
    _fault("leakage_fault", C, "Leakage"),
    _fault("supply_liquid_temp_high", H, "Supply liquid temperature high"),
    _fault("supply_liquid_temp_too_high", C, "Supply liquid temperature too high"),
    _fault("supply_liquid_pressure_high", C, "Supply liquid pressure high"),
    _fault("return_liquid_pressure_low", C, "Return liquid pressure low"),
    _fault("supply_liquid_flow_low", C, "Supply liquid flow low"),
    _fault("freezing_alarm", M, "Freezing alarm"),
    _fault("cooling_tower_liquid_level_low", H, "Cooling tower liquid level low"),
    # A running flag in the spec, shown as a problem: the controller lost its link (severity ours).
    _extra("disconnect", H, "Controller lost its link"),
)

IMMERSION_FAULTS: tuple[FaultFlag, ...] = (
    # A fault flag despite its name.
    _fault("primary_circulating_pump", C, "Primary circulating pump fault", "circulating_pump_fault"),
    _fault("dry_cooler_power_fre_fault", H, "Dry cooler power frequency fault"),
    _fault("dry_cooler_fre_conv", H, "Dry cooler frequency converter fault"),
    _fault("second_pump1_fault", C, "Secondary pump 1 fault", "secondary_pump_fault"),
    _fault("second_pump2_fault", C, "Secondary pump 2 fault", "secondary_pump_fault"),
    _fault("fan_fault", H, "Fan fault"),
    _fault("phasefailure", H, "Phase failure", "phase_failure"),
    _fault("supply_liquid_temp_fault", C, "Supply liquid temperature sensor fault"),
    _fault("return_liquid_temp_fault", C, "Return liquid temperature sensor fault"),
    _fault("power_distribution_Fault", H, "Power distribution fault", "power_distribution_fault"),
    _fault("lever_sensor_fault", C, "Level sensor fault"),
    _fault("smoke_sensor_fault", H, "Smoke sensor fault"),
    _fault("return_liquid_temp_high", H, "Return liquid temperature high"),
    _fault("return_liquid_temp_too_high", C, "Return liquid temperature too high"),
    _fault("power_distribution_temp_high", H, "Power distribution temperature high"),
    _fault("lever_high", H, "Liquid level high"),
    _fault("lever_low", C, "Liquid level low"),
    # Present on the wire, not mapped by the vendor's worker; severities are ours.
    _extra("leakage_fault", C, "Leakage"),
    _extra("supply_liquid_temp_high", H, "Supply liquid temperature high"),
    _extra("supply_liquid_temp_too_high", C, "Supply liquid temperature too high"),
    _extra("pump_alarm", H, "Pump alarm"),
    _extra("disconnect", H, "Controller lost its link"),
)

HK3_QUANTITIES: tuple[Quantity, ...] = (
    Quantity("supply_liquid_temp"),
    Quantity("return_liquid_temp"),
    Quantity("colding_tower_inlet_temp"),
    Quantity("antbox_internal_temp"),
    Quantity("antbox_internal_humidity"),
    Quantity("supply_liquid_pressure", 10.0),  # MPa → bar
    Quantity("return_liquid_pressure", 10.0),
    Quantity("supply_liquid_flow"),
    Quantity("distribution_box1_power"),
    Quantity("distribution_box2_power"),
    Quantity("supply_liquid_set_temp"),
)

IMMERSION_QUANTITIES: tuple[Quantity, ...] = (
    *(
        Quantity(key)
        for key in (
            "primary_supply_temp",
            "primary_return_temp",
            "second_supply_temp1",
            "second_supply_temp2",
            "second_return_temp1",
            "second_return_temp2",
            "out_temp",
            "container_temp",
            "power_distribution_temp",
            "container_humidity",
            "power_distribution_humidity",
            "tank_a_level",
            "tank_b_level",
            "tank_c_level",
            "tank_d_level",
            "drycooler_freq",
            "feedback_fre",
            "cur_a_distribution",
            "cur_b_distribution",
            "cur_c_distribution",
            "power_distribution",
            # Unit unclear (the vendor multiplies by 100000, which gives absurd values): kept raw, not shown as watts.
            "distribution_box_power",
            "supply_liquid_set_temp",
        )
    ),
    *(Quantity(f"vol_{phase}_distribution", 0.1) for phase in "abc"),  # 0.1 V → V
)

HK3_RUNNING = (
    "circulating_pump",
    "fan1",
    "fan2",
    "spray_pump",
    "fluid_infusion_pump",
    "cooling_tower_fan1",
    "cooling_tower_fan2",
    "cooling_tower_fan3",
)
IMMERSION_RUNNING = (
    "one_pump",
    "second_pump1",
    "second_pump2",
    "pump_ready",
    "pump_operation",
    "pump_start",
    "pump_run",
    "server_on",
    "container_fan",
    "dry_cooler_freq_run",
    "dry_cooler_power_freq_run",
    "valve1_open",
    "valve1_close",
    "valve2_open",
    "valve2_close",
    "open1",
    "open2",
)

FAULTS = {Model.HK3: HK3_FAULTS, Model.IMMERSION: IMMERSION_FAULTS}
QUANTITIES = {Model.HK3: HK3_QUANTITIES, Model.IMMERSION: IMMERSION_QUANTITIES}
RUNNING = {Model.HK3: HK3_RUNNING, Model.IMMERSION: IMMERSION_RUNNING}
# The pumps whose running means the container is cooling.
MAIN_PUMPS = {Model.HK3: ("circulating_pump",), Model.IMMERSION: ("second_pump1", "second_pump2")}
LOW_SUPPLY_ALERT = FaultFlag(
    "supply_liquid_temp_low", "supply_liquid_temp_low", H, "Supply liquid temperature low"
)


@dataclass(frozen=True, slots=True)
class Alert:
    """An active alert: the flag (or computed rule) behind it, its name, severity and message."""

    key: str
    alert: str
    severity: Severity
    message: str


def detect_model(params: Mapping[str, Any]) -> Model | None:
    """Return the model a coolerState payload belongs to, or None when it is neither."""
    if "circulating_pump" in params or "cooling_tower_fan1" in params:
        return Model.HK3
    if "protocol_version" in params or "second_pump1" in params:
        return Model.IMMERSION
    return None


def envelope(data: Any, operation: str) -> Mapping[str, Any]:
    """Return the params of a successful reply, or raise: the envelope says ok true, or it failed."""
    if not isinstance(data, Mapping) or data.get("ok") is not True:
        raise ApiResponseError(f"the container did not confirm {operation}")
    return mapping(data.get("params"))


@dataclass(frozen=True, slots=True)
class CoolerState:
    """One coolerState reading, in our units (bar, V), with the model's running and fault flags."""

    model: Model
    values: Mapping[str, float | None]
    running: Mapping[str, bool | None]
    # None: the reply did not say (then an alert neither appears nor clears).
    faults: Mapping[str, bool | None]
    pid_mode: bool | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], model: Model | None = None) -> CoolerState:
        """Parse coolerState params; the model is detected unless given."""
        detected = detect_model(params)
        if detected is None or (model is not None and detected is not model):
            # An empty or partial reply (no params, a write's null) must not read as "all clear".
            raise ApiResponseError(
                f"coolerState is not a reading of {'a container' if model is None else model}"
            )
        return cls(
            model=detected,
            values={q.key: _scaled(number(params, q.key), q.scale) for q in QUANTITIES[detected]},
            running={key: flag(params, key) for key in RUNNING[detected]},
            faults={fault.key: flag(params, fault.key) for fault in FAULTS[detected]},
            pid_mode=_truthy(params.get("pid_mode")),
            raw=params,
        )

    @property
    def setpoint(self) -> float | None:
        """Return the supply liquid setpoint (°C)."""
        return self.values.get("supply_liquid_set_temp")

    @property
    def cooling(self) -> bool | None:
        """Return whether the main pump(s) run (None when the container does not say)."""
        states = [self.running.get(key) for key in MAIN_PUMPS[self.model]]
        if any(state is True for state in states):
            return True
        return None if all(state is None for state in states) else False

    @property
    def power_w(self) -> float | None:
        """Return the container's power: HK3 distribution boxes 1 + 2 (W), Immersion power_distribution (kW)."""
        if self.model is Model.IMMERSION:
            kilowatts = self.values.get("power_distribution")
            return None if kilowatts is None else kilowatts * 1000
        boxes = [self.values.get("distribution_box1_power"), self.values.get("distribution_box2_power")]
        known = [box for box in boxes if box is not None]
        return sum(known) if known else None

    @property
    def alerts(self) -> list[Alert]:
        """Return the active alerts, most severe first: every fault flag set, and a supply too cold."""
        active = [
            Alert(fault.key, fault.alert, fault.severity, fault.message)
            for fault in FAULTS[self.model]
            if self.faults.get(fault.key) is True
        ]
        supply = self.values.get("supply_liquid_temp")
        if supply is not None and supply != 0 and supply < LOW_SUPPLY_C:
            low = LOW_SUPPLY_ALERT
            active.append(Alert(low.key, low.alert, low.severity, low.message))
        return sorted(active, key=lambda alert: RANK[alert.severity])

    @property
    def status(self) -> Status:
        """Return error on any fault flag, else running while the main pump runs, else stopped."""
        if any(self.faults.get(fault.key) is True for fault in FAULTS[self.model] if fault.vendor):
            return Status.ERROR
        return Status.RUNNING if self.cooling else Status.STOPPED


def _truthy(value: Any) -> bool | None:
    """Return an opaque mode value as on/off: flags as flags, any other non-empty value as on."""
    if value is None:
        return None
    as_flag = flag({"value": value}, "value")
    return as_flag if as_flag is not None else bool(value)


def _scaled(value: float | None, scale: float) -> float | None:
    """Return a value in our unit."""
    return None if value is None else value * scale


def _temperature(data: Mapping[str, Any], key: str) -> float | None:
    """Return a chip or board temperature, discarding the sentinel real units send for none."""
    value = number(data, key)
    return None if value is None or value <= SENTINEL_BELOW else value


@dataclass(frozen=True, slots=True)
class ContainerMiner:
    """One miner as the container lists it."""

    ip: str
    miner_type: str | None
    hashrate_ghs: float | None
    chip_max_temp: float | None


@dataclass(frozen=True, slots=True)
class MinerInfo:
    """minerInfo: the miners in the container, their total hashrate and the hottest chip."""

    count: int | None
    total_hashrate: float | None
    chip_max_temp: float | None
    chip_temp_mean: float | None
    pcb_max_temp: float | None
    miners: tuple[ContainerMiner, ...]

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MinerInfo:
        """Parse minerInfo params; a miner_info that is not an object lists no miners."""
        listed = mapping(params.get("miner_info"))
        miners = tuple(
            ContainerMiner(
                ip=str(ip)[:64],
                miner_type=text(mapping(entry), "miner_type"),
                hashrate_ghs=as_number(mapping(entry).get("GHS_avg")),
                chip_max_temp=_temperature(mapping(entry), "chip_max_temp"),
            )
            for ip, entry in list(listed.items())[:1000]
        )
        return cls(
            count=whole(params, "miner_num"),
            total_hashrate=number(params, "total_hashrate"),
            chip_max_temp=_temperature(params, "chip_max_temp"),
            chip_temp_mean=_temperature(params, "chip_temp_mean"),
            pcb_max_temp=_temperature(params, "pcb_max_temp"),
            miners=miners,
        )
