"""Options steps for tuning: a miner's profiles, its limits and its default transition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.util import slugify
import voluptuous as vol

from ..logic.bitaxe_limits import TEMPERATURE_TARGET_RANGE
from ..logic.guard import Limits
from ..logic.tuning import Tuning
from ..miner.coordinator import MinerCoordinator
from .profiles import (
    CONF_LIMITS,
    CONF_PROFILES,
    CONF_STEP_DELAY,
    CONF_STEPS,
    CONF_TRANSITION,
    CUSTOM,
    REQUIRED_PROFILES,
)

CONF_PROFILE = "profile"
CONF_NEW_PROFILE = "new_profile"
CONF_DELETE = "delete"
CONF_TEMPERATURE_TARGET = "temperature_target_c"
MAX_PROFILE_NAME = 32
FLOAT_LIMITS = ("max_temperature_c", "max_power_w")


def _number(low: float, high: float, unit: str, step: float = 1) -> NumberSelector:
    """Return a number box."""
    return NumberSelector(
        NumberSelectorConfig(
            min=low, max=high, step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
        )
    )


def _choice(options: list[SelectOptionDict]) -> SelectSelector:
    """Return a drop-down of the given options."""
    return SelectSelector(SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN))


def _as_shown(tuning: Tuning) -> dict[str, int | str]:
    """Return a profile as its form shows it: the drop-downs hold text, the temperature a number."""
    return {
        key: value if key == CONF_TEMPERATURE_TARGET else str(value)
        for key, value in tuning.as_dict().items()
    }


def _as_setting(key: str, value: Any) -> int | str:
    """Return a form's value as the setting's type (numbers for voltage and frequency)."""
    return str(value) if key == "preset" else int(value)


class TuningOptionsSteps(OptionsFlow):
    """Profiles and limits for a loaded miner (its model's options come from the running miner)."""

    _profile: str | None = None

    def _miner(self) -> MinerCoordinator[Any] | None:
        """Return the running miner, or None while its entry is not loaded."""
        entry = self.config_entry
        return entry.runtime_data if entry.state is ConfigEntryState.LOADED else None

    def _save(self, key: str, value: Any) -> ConfigFlowResult:
        """Store one part of the tuning options next to the others (the entry reloads)."""
        return self.async_create_entry(data={**self.config_entry.options, key: value})

    async def async_step_profiles(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose a profile to change, or name a new one."""
        if (miner := self._miner()) is None or not miner.tuning.profiles:
            return self.async_abort(reason="miner_not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            new = str(user_input.get(CONF_NEW_PROFILE) or "").strip()
            if new and (error := self._name_error(new, miner)) is not None:
                errors[CONF_NEW_PROFILE] = error
            else:
                self._profile = new or user_input[CONF_PROFILE]
                return await self.async_step_profile()
        names = list(miner.tuning.profiles)
        schema = vol.Schema(
            {
                vol.Required(CONF_PROFILE, default=names[0]): _choice(
                    [SelectOptionDict(value=name, label=name) for name in names]
                ),
                vol.Optional(CONF_NEW_PROFILE): TextSelector(),
            }
        )
        return self.async_show_form(step_id="profiles", data_schema=schema, errors=errors)

    @staticmethod
    def _name_error(name: str, miner: MinerCoordinator[Any]) -> str | None:
        """Return why a new profile's name cannot be used, or None."""
        taken = {slugify(existing) for existing in miner.tuning.profiles} | {CUSTOM}
        if len(name) > MAX_PROFILE_NAME or not any(character.isalnum() for character in name):
            return "invalid_profile_name"
        return "profile_exists" if slugify(name) in taken else None

    async def async_step_profile(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set one profile's settings from the model's safe options (or delete an added profile).

        The drop-downs offer only the model's options within the limits, so what comes back is
        safe; the miner checks it again whenever the profile is applied.
        """
        miner, name = self._miner(), self._profile or ""
        if miner is None:
            return self.async_abort(reason="miner_not_loaded")
        stored = dict(self.config_entry.options.get(CONF_PROFILES) or {})
        if user_input is not None:
            if user_input.get(CONF_DELETE) and name not in REQUIRED_PROFILES:
                stored.pop(name, None)
                return self._save(CONF_PROFILES, stored)
            return self._save(CONF_PROFILES, {**stored, name: self._tuning_from(user_input).as_dict()})
        current = miner.tuning.profiles.get(name) or miner.current_tuning() or Tuning()
        return self.async_show_form(
            step_id="profile",
            data_schema=self.add_suggested_values_to_schema(
                self._profile_schema(miner, name), _as_shown(current)
            ),
            description_placeholders={"profile": name},
        )

    @staticmethod
    def _tuning_from(user_input: Mapping[str, Any]) -> Tuning:
        """Return the tuning a profile form describes."""
        settings = {
            key: _as_setting(key, value)
            for key, value in user_input.items()
            if key not in (CONF_DELETE,) and value not in (None, "")
        }
        return Tuning.from_dict(settings) or Tuning()

    def _profile_schema(self, miner: MinerCoordinator[Any], name: str) -> vol.Schema:
        """Return the profile form: one drop-down per setting, from the model's options within the limits."""
        limits = miner.tuning.limits
        fields: dict[vol.Marker, Any] = {
            vol.Required(key): _choice(
                [SelectOptionDict(value=str(value), label=label) for value, label in choices]
            )
            for key, choices in miner.profile_choices(limits).items()
        }
        if miner.has_temperature_target:
            fields[vol.Optional(CONF_TEMPERATURE_TARGET)] = _number(*TEMPERATURE_TARGET_RANGE, "°C")
        if name not in REQUIRED_PROFILES:
            fields[vol.Optional(CONF_DELETE, default=False)] = BooleanSelector()
        return vol.Schema(fields)

    async def async_step_limits(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set the limits the guard keeps the miner inside, and the default transition."""
        if (miner := self._miner()) is None:
            return self.async_abort(reason="miner_not_loaded")
        model = miner.default_limits()
        errors: dict[str, str] = {}
        placeholders = {"profiles": ""}
        if user_input is not None:
            limits = {
                key: float(user_input[key]) if key in FLOAT_LIMITS else int(user_input[key])
                for key in _limit_keys(model)
                if user_input.get(key) is not None
            }
            pace = {
                CONF_STEPS: int(user_input[CONF_STEPS]),
                CONF_STEP_DELAY: float(user_input[CONF_STEP_DELAY]),
            }
            outside = self._profiles_outside(miner, limits)
            if not outside:
                return self.async_create_entry(
                    data={**self.config_entry.options, CONF_LIMITS: limits, CONF_TRANSITION: pace}
                )
            errors["base"] = "limits_below_profile"
            placeholders["profiles"] = ", ".join(outside)
        current = miner.tuning.limits
        transition = miner.tuning.default_transition
        suggested = {
            **{key: _shown(key, getattr(current, key)) for key in _limit_keys(model)},
            CONF_STEPS: transition.steps,
            CONF_STEP_DELAY: transition.step_delay_s,
        }
        return self.async_show_form(
            step_id="limits",
            data_schema=self.add_suggested_values_to_schema(self._limits_schema(miner, model), suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    def _profiles_outside(miner: MinerCoordinator[Any], limits: dict[str, Any]) -> list[str]:
        """Return the profiles the new voltage, frequency or power limits would forbid."""
        outside = []
        for name, tuning in miner.tuning.profiles.items():
            for key, value in (
                ("max_voltage_mv", tuning.core_voltage_mv),
                ("max_frequency_mhz", tuning.frequency_mhz),
                ("max_power_w", miner.expected_power(tuning)),
            ):
                if value is not None and limits.get(key) is not None and value > limits[key]:
                    outside.append(name)
                    break
        return outside

    @staticmethod
    def _limits_schema(miner: MinerCoordinator[Any], model: Limits) -> vol.Schema:
        """Return the limits form: voltage and frequency from the model's options, numbers for the rest."""
        fields: dict[vol.Marker, Any] = {}
        choices = miner.profile_choices(model)
        for key, setting in (("max_voltage_mv", "core_voltage_mv"), ("max_frequency_mhz", "frequency_mhz")):
            if getattr(model, key) is not None and setting in choices:
                fields[vol.Required(key)] = _choice(
                    [SelectOptionDict(value=str(v), label=label) for v, label in choices[setting]]
                )
        fields[vol.Required("max_temperature_c")] = _number(40, miner.max_temperature_cap, "°C")
        fields[vol.Optional("max_power_w")] = _number(1, 100000, "W")
        fields[vol.Required(CONF_STEPS)] = _number(1, 100, "")
        fields[vol.Required(CONF_STEP_DELAY)] = _number(0, 3600, "s")
        return vol.Schema(fields)


def _shown(key: str, value: float | None) -> float | str | None:
    """Return a limit as its form field shows it (drop-downs hold text)."""
    return value if key in FLOAT_LIMITS or value is None else str(value)


def _limit_keys(model: Limits) -> list[str]:
    """Return the limits a miner of this model has (no voltage or frequency on VNish)."""
    keys = ["max_temperature_c", "max_power_w"]
    return [key for key in ("max_voltage_mv", "max_frequency_mhz") if getattr(model, key) is not None] + keys
