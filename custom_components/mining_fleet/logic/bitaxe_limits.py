"""Safe frequency, core-voltage, fan and temperature limits for Bitaxe models."""

from __future__ import annotations

from dataclasses import dataclass

from ..api.axeos_models import AsicInfo

# Core-voltage ceilings per ASIC, whatever the firmware offers: above them the ASIC and its
# regulator are at risk (the seed scheduler never went above 1300 mV on a Gamma).
MAX_CORE_VOLTAGE_MV = {"BM1370": 1300, "BM1368": 1300, "BM1366": 1300, "BM1397": 1500}
DEFAULT_MAX_CORE_VOLTAGE_MV = 1300
# Below this duty small Bitaxe fans stall on some boards; the firmware's overheat guard is the last line.
MIN_SAFE_FAN_PERCENT = 20
TEMPERATURE_TARGET_RANGE = (35, 66)


@dataclass(frozen=True, slots=True)
class ModelLimits:
    """The frequency and voltage choices that are safe for one ASIC model."""

    frequency_options: tuple[int, ...]
    default_frequency: int
    voltage_options: tuple[int, ...]
    default_voltage: int


_GAMMA_VOLTAGES = (1000, 1060, 1100, 1150, 1200, 1250)
# Fallback when the firmware has no /api/system/asic (before 2.7); from the firmware's tables.
_FALLBACK: dict[str, ModelLimits] = {
    "BM1370": ModelLimits((400, 490, 525, 550, 600, 625), 525, _GAMMA_VOLTAGES, 1150),
    "BM1370-650": ModelLimits((350, 375, 380, 400, 410), 400, _GAMMA_VOLTAGES, 1150),
    "BM1368": ModelLimits(
        (400, 425, 450, 475, 490, 500, 525, 550, 575), 490, (1100, 1150, 1166, 1200, 1250, 1300), 1166
    ),
    "BM1366": ModelLimits(
        (400, 425, 450, 475, 485, 500, 525, 550, 575), 485, (1100, 1150, 1200, 1250, 1300), 1200
    ),
    "BM1397": ModelLimits(
        (400, 425, 450, 475, 485, 500, 525, 550, 575, 600),
        425,
        (1100, 1150, 1200, 1250, 1300, 1350, 1400, 1450, 1500),
        1400,
    ),
}


def _fallback_key(asic_model: str | None, board_version: str | None) -> str | None:
    """Pick the fallback table row for a model and board."""
    if asic_model == "BM1370" and (board_version or "").startswith("65"):
        return "BM1370-650"
    return asic_model if asic_model in _FALLBACK else None


def model_limits(
    asic: AsicInfo | None, asic_model: str | None, board_version: str | None
) -> ModelLimits | None:
    """Return the safe options: the firmware's own list, else our table; never above the ceiling."""
    limits = None
    if asic and asic.frequency_options and asic.voltage_options:
        limits = ModelLimits(
            asic.frequency_options,
            asic.default_frequency or asic.frequency_options[0],
            asic.voltage_options,
            asic.default_voltage or asic.voltage_options[0],
        )
    elif (key := _fallback_key(asic_model, board_version)) is not None:
        limits = _FALLBACK[key]
    if limits is None:
        return None
    ceiling = MAX_CORE_VOLTAGE_MV.get(asic_model or "", DEFAULT_MAX_CORE_VOLTAGE_MV)
    safe_voltages = tuple(v for v in limits.voltage_options if v <= ceiling)
    if not safe_voltages:
        return None
    return ModelLimits(
        limits.frequency_options,
        limits.default_frequency,
        safe_voltages,
        min(limits.default_voltage, ceiling),
    )
