"""Watched-rig steps: the witnesses, the outlet (discovered, typed, or a switch entity), the settings.

The same steps run from "Add integration → Watched rig" (creating the watchdog entry with its
first rig, or adding to it) and from "Add watched rig" on the watchdog entry (a subentry flow).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Awaitable, Callable
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_NAME, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.data_entry_flow import FlowHandler, FlowResult, FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)
from kasa import Credentials
import voluptuous as vol

from ..api.errors import ApiError, ApiInvalidCredentialsError
from ..api.outlets import OutletChoice, discover_outlets, probe_outlets
from ..const import CONF_KIND, DOMAIN, KIND_POOL, KIND_WATCHDOG, MINER_KINDS, SUBENTRY_RIG, WATCHDOG_UNIQUE_ID
from ..miner.flow import PASSWORD_SELECTOR
from .outlet import CONF_OUTLET, OUTLET_KASA, OUTLET_SWITCH
from .rig import CONF_COOLDOWN, CONF_MAX_RESTARTS, CONF_POWER_OFF_SECONDS, CONF_TIME_UNTIL_OFFLINE
from .witness import CONF_MINER, CONF_POOL_ENTRY, CONF_WORKER

POOL_KINDS = frozenset({KIND_POOL})
WATCHDOG_TITLE = "Rig watchdog"
# A config flow the options flows start to create the watchdog entry with their rig.
SOURCE_FIRST_RIG = "first_rig"
CONF_RIG = "rig"
CONF_TARGET = "target"
CONF_OUTLET_CHOICE = "outlet_choice"
# Real networks broadcast; tests and the demo always type 127.0.0.1 here.
DEFAULT_DISCOVERY_TARGET = "255.255.255.255"
DISCOVERY_TIMEOUT = 5
_SECONDS_PER_MINUTE = 60


def _minutes(minimum: int, maximum: int) -> NumberSelector:
    """Return a number field in minutes."""
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum, max=maximum, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min"
        )
    )


def _settings_schema(data: dict[str, Any]) -> vol.Schema:
    """Return the settings form, filled with the rig's current (or the seed's default) values."""
    return vol.Schema(
        {
            vol.Required(CONF_NAME, default=data.get(CONF_NAME, "")): str,
            vol.Required(
                CONF_TIME_UNTIL_OFFLINE, default=data.get(CONF_TIME_UNTIL_OFFLINE, 600) // _SECONDS_PER_MINUTE
            ): _minutes(2, 1440),
            vol.Required(
                CONF_COOLDOWN, default=data.get(CONF_COOLDOWN, 600) // _SECONDS_PER_MINUTE
            ): _minutes(1, 1440),
            vol.Required(CONF_MAX_RESTARTS, default=data.get(CONF_MAX_RESTARTS, 3)): NumberSelector(
                NumberSelectorConfig(min=1, max=10, step=1, mode=NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_POWER_OFF_SECONDS, default=data.get(CONF_POWER_OFF_SECONDS, 3)): NumberSelector(
                NumberSelectorConfig(
                    min=1, max=300, step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            ),
        }
    )


def _settings_from_form(user_input: dict[str, Any]) -> dict[str, Any]:
    """Return the settings as stored (seconds, whole numbers)."""
    return {
        CONF_TIME_UNTIL_OFFLINE: int(user_input[CONF_TIME_UNTIL_OFFLINE]) * _SECONDS_PER_MINUTE,
        CONF_COOLDOWN: int(user_input[CONF_COOLDOWN]) * _SECONDS_PER_MINUTE,
        CONF_MAX_RESTARTS: int(user_input[CONF_MAX_RESTARTS]),
        CONF_POWER_OFF_SECONDS: int(user_input[CONF_POWER_OFF_SECONDS]),
    }


def _credentials(user_input: dict[str, Any]) -> Credentials | None:
    """Return TP-Link cloud credentials when both were typed (newer plugs need them)."""
    if user_input.get(CONF_USERNAME) and user_input.get(CONF_PASSWORD):
        return Credentials(user_input[CONF_USERNAME], user_input[CONF_PASSWORD])
    return None


def _outlet_error(err: ApiError) -> dict[str, str]:
    """Return the form error for an outlet that could not be listed."""
    return {
        "base": "outlet_invalid_auth"
        if isinstance(err, ApiInvalidCredentialsError)
        else "outlet_cannot_connect"
    }


def watchdog_entry(flow: FlowHandler[Any, Any, Any]) -> ConfigEntry[Any] | None:
    """Return the rig watchdog entry, if it exists."""
    return next(
        (e for e in flow.hass.config_entries.async_entries(DOMAIN) if e.data.get(CONF_KIND) == KIND_WATCHDOG),
        None,
    )


class RigSteps[ResultT: FlowResult[Any, Any]](FlowHandler[Any, ResultT, Any]):
    """The steps that describe one watched rig."""

    _rig: dict[str, Any]
    _choices: list[OutletChoice]
    # Set when the flow starts from a miner's or a pool account's options: of that kind of witness,
    # only that entry's are offered (the miner itself, or the account's workers).
    _origin: ConfigEntry[Any] | None = None

    @abstractmethod
    async def _async_finish_rig(self, title: str, data: dict[str, Any]) -> ResultT:
        """Store the rig."""

    def _offered(self, entry: ConfigEntry[Any], kinds: frozenset[str]) -> bool:
        """Return whether an entry's witnesses are offered (all, unless the flow started from one of its kind)."""
        if entry.data.get(CONF_KIND) not in kinds:
            return False
        origin = self._origin
        return origin is None or origin.data.get(CONF_KIND) not in kinds or origin.entry_id == entry.entry_id

    def _miner_options(self) -> list[SelectOptionDict]:
        """Return the miners of this integration, by device."""
        devices = dr.async_get(self.hass)
        return [
            SelectOptionDict(value=device.id, label=device.name_by_user or device.name or entry.title)
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            if self._offered(entry, MINER_KINDS)
            for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
        ]

    def _worker_options(self) -> list[SelectOptionDict]:
        """Return every worker the loaded pool accounts have listed."""
        return [
            SelectOptionDict(value=f"{entry.entry_id}/{worker}", label=f"{worker} ({entry.title})")
            for entry in self.hass.config_entries.async_loaded_entries(DOMAIN)
            if self._offered(entry, POOL_KINDS)
            for worker in entry.runtime_data.known_workers
        ]

    def _already_watched(self, miner: str | None, worker: tuple[str, str] | None) -> bool:
        """Return True when another rig already watches this miner or worker."""
        entry = watchdog_entry(self)
        for subentry in entry.subentries.values() if entry else ():
            data = subentry.data
            if miner is not None and data.get(CONF_MINER) == miner:
                return True
            if worker is not None and (data.get(CONF_POOL_ENTRY), data.get(CONF_WORKER)) == worker:
                return True
        return False

    async def async_step_rig(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Choose what tells whether the rig is alive: its miner, its pool worker, or both."""
        miners, workers = self._miner_options(), self._worker_options()
        if not miners and not workers:
            return self.async_abort(reason="no_witnesses")
        errors: dict[str, str] = {}
        if user_input is not None:
            miner = user_input.get(CONF_MINER) or None
            worker = _pool_worker(user_input.get(CONF_WORKER))
            if miner is None and worker is None:
                errors["base"] = "witness_required"
            elif self._already_watched(miner, worker):
                errors["base"] = "already_watched"
            else:
                self._rig = {} if miner is None else {CONF_MINER: miner}
                if worker is not None:
                    self._rig |= {CONF_POOL_ENTRY: worker[0], CONF_WORKER: worker[1]}
                return await self.async_step_outlet()
        fields: dict[Any, Any] = {}
        if miners:
            # From a miner's own options, that miner is already chosen.
            from_miner = self._origin is not None and self._origin.data.get(CONF_KIND) in MINER_KINDS
            only = miners[0]["value"] if from_miner and len(miners) == 1 else None
            key = vol.Optional(CONF_MINER) if only is None else vol.Optional(CONF_MINER, default=only)
            fields[key] = SelectSelector(SelectSelectorConfig(options=miners))
        if workers:
            fields[vol.Optional(CONF_WORKER)] = SelectSelector(SelectSelectorConfig(options=workers))
        return self.async_show_form(step_id="rig", data_schema=vol.Schema(fields), errors=errors)

    async def async_step_outlet(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Ask how the rig's outlet is reached."""
        return self.async_show_menu(
            step_id="outlet", menu_options=["outlet_discover", "outlet_host", "outlet_switch"]
        )

    async def async_step_outlet_discover(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Look for Kasa plugs and strips (a broadcast by default; any address may be typed)."""
        return await self._async_kasa_form(
            "outlet_discover", CONF_TARGET, DEFAULT_DISCOVERY_TARGET, discover_outlets, user_input
        )

    async def async_step_outlet_host(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Reach a plug or strip at an address typed by hand."""
        return await self._async_kasa_form("outlet_host", CONF_HOST, None, probe_outlets, user_input)

    async def _async_kasa_form(
        self,
        step_id: str,
        address_key: str,
        default: str | None,
        find: Callable[..., Awaitable[list[OutletChoice]]],
        user_input: dict[str, Any] | None,
    ) -> ResultT:
        """Ask where to find Kasa outlets; one found is taken, several are offered to pick from."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                self._choices = await find(
                    user_input[address_key],
                    port=user_input.get(CONF_PORT),
                    credentials=_credentials(user_input),
                    wait=DISCOVERY_TIMEOUT,
                )
            except ApiError as err:
                errors = _outlet_error(err)
            else:
                if len(self._choices) == 1:
                    return await self._async_kasa_chosen(self._choices[0])
                if self._choices:
                    return await self.async_step_outlet_pick()
                errors["base"] = "no_outlets_found"
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _kasa_schema(address_key, default), _without_password(user_input)
            ),
            errors=errors,
        )

    async def async_step_outlet_pick(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Choose one plug, or one outlet of a strip."""
        if user_input is not None:
            return await self._async_kasa_chosen(self._choices[int(user_input[CONF_OUTLET_CHOICE])])
        options = [
            SelectOptionDict(value=str(i), label=choice.label) for i, choice in enumerate(self._choices)
        ]
        return self.async_show_form(
            step_id="outlet_pick",
            data_schema=vol.Schema(
                {vol.Required(CONF_OUTLET_CHOICE): SelectSelector(SelectSelectorConfig(options=options))}
            ),
        )

    async def _async_kasa_chosen(self, choice: OutletChoice) -> ResultT:
        """Keep the chosen Kasa outlet (its config, never the password) and go on to the settings."""
        self._rig[CONF_OUTLET] = {
            "type": OUTLET_KASA,
            "host": choice.host,
            "child": choice.child,
            "label": choice.label,
            "config": choice.config,
        }
        return await self.async_step_settings()

    async def async_step_outlet_switch(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Use a switch entity Home Assistant already has."""
        errors: dict[str, str] = {}
        if user_input is not None:
            entity = er.async_get(self.hass).async_get(user_input[ATTR_ENTITY_ID])
            if entity is not None and entity.platform == DOMAIN:
                errors["base"] = "not_an_outlet"  # our own maintenance switches power nothing
            else:
                self._rig[CONF_OUTLET] = {"type": OUTLET_SWITCH, ATTR_ENTITY_ID: user_input[ATTR_ENTITY_ID]}
                return await self.async_step_settings()
        return self.async_show_form(
            step_id="outlet_switch",
            data_schema=vol.Schema(
                {vol.Required(ATTR_ENTITY_ID): EntitySelector(EntitySelectorConfig(domain="switch"))}
            ),
            errors=errors,
        )

    async def async_step_settings(self, user_input: dict[str, Any] | None = None) -> ResultT:
        """Name the rig and set when the watchdog acts (the seed script's defaults)."""
        errors = _settings_errors(user_input)
        if user_input is not None and not errors:
            name = user_input[CONF_NAME].strip()
            return await self._async_finish_rig(name, self._rig | _settings_from_form(user_input))
        return self.async_show_form(
            step_id="settings", data_schema=_settings_schema(_as_stored(user_input)), errors=errors
        )


def _as_stored(user_input: dict[str, Any] | None) -> dict[str, Any]:
    """Return a submitted settings form as stored, to show it again."""
    return {} if user_input is None else {CONF_NAME: user_input[CONF_NAME], **_settings_from_form(user_input)}


def _settings_errors(user_input: dict[str, Any] | None) -> dict[str, str]:
    """Return the settings form's errors: a rig needs a name its device and entities can carry."""
    if user_input is not None and not str(user_input.get(CONF_NAME, "")).strip():
        return {CONF_NAME: "name_required"}
    return {}


def _pool_worker(value: str | None) -> tuple[str, str] | None:
    """Return (pool entry id, worker) from a worker option's value."""
    if not value:
        return None
    entry_id, worker = value.split("/", 1)
    return entry_id, worker


def _kasa_schema(address_key: str, default: str | None) -> vol.Schema:
    """Return the form for reaching Kasa devices: address, port, optional TP-Link credentials."""
    address = vol.Required(address_key, default=default) if default else vol.Required(address_key)
    return vol.Schema(
        {
            address: str,
            vol.Optional(CONF_PORT): vol.All(vol.Coerce(int), vol.Range(min=1, max=65535)),
            vol.Optional(CONF_USERNAME): str,
            vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
        }
    )


def _without_password(user_input: dict[str, Any] | None) -> dict[str, Any]:
    """Return what a form may show again."""
    return {key: value for key, value in (user_input or {}).items() if key != CONF_PASSWORD}


def _add_to_watchdog(flow: FlowHandler[Any, Any, Any], title: str, data: dict[str, Any]) -> bool:
    """Add the rig to the watchdog entry; return False when there is no watchdog entry yet."""
    if (entry := watchdog_entry(flow)) is None:
        return False
    flow.hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(data=MappingProxyType(data), subentry_type=SUBENTRY_RIG, title=title, unique_id=None),
    )
    return True


class WatchdogFlow(RigSteps[ConfigFlowResult], ConfigFlow):
    """The "Watched rig" entry of the integration's menu."""

    async def async_step_watchdog(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Describe a rig; it joins the watchdog entry (created with it, the first time)."""
        result: ConfigFlowResult = await self.async_step_rig()
        return result

    async def async_step_first_rig(self, rig: dict[str, Any]) -> ConfigFlowResult:
        """Create the watchdog entry for a rig described in a miner's or pool account's options."""
        return await self._async_finish_rig(rig[CONF_NAME], rig[CONF_RIG])

    async def _async_finish_rig(self, title: str, data: dict[str, Any]) -> ConfigFlowResult:
        """Create the watchdog entry with this rig, or add the rig to it."""
        if _add_to_watchdog(self, title, data):
            return self.async_abort(reason="rig_added", description_placeholders={"rig": title})
        await self.async_set_unique_id(WATCHDOG_UNIQUE_ID)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=WATCHDOG_TITLE,
            data={CONF_KIND: KIND_WATCHDOG},
            subentries=[{"data": data, "subentry_type": SUBENTRY_RIG, "title": title, "unique_id": None}],
        )


class WatchRigOptionsFlow(RigSteps[ConfigFlowResult], OptionsFlow):
    """A miner's or a pool account's "Configure": watch it (or one of the account's workers)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Start from this entry's witnesses."""
        self._origin = self.config_entry
        return await self.async_step_rig()

    async def _async_finish_rig(self, title: str, data: dict[str, Any]) -> ConfigFlowResult:
        """Add the rig to the watchdog entry, creating that entry the first time."""
        if not _add_to_watchdog(self, title, data):
            result = await self.hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_FIRST_RIG}, data={CONF_NAME: title, CONF_RIG: data}
            )
            # Two rigs submitted at once: the other one created the entry, this one joins it.
            if result["type"] is not FlowResultType.CREATE_ENTRY and not _add_to_watchdog(self, title, data):
                return self.async_abort(reason="rig_not_added", description_placeholders={"rig": title})
        return self.async_abort(reason="rig_added", description_placeholders={"rig": title})


class RigSubentryFlow(RigSteps[SubentryFlowResult], ConfigSubentryFlow):
    """The watchdog entry's "Add watched rig" and "Reconfigure"."""

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Describe a new rig."""
        result: SubentryFlowResult = await self.async_step_rig()
        return result

    async def _async_finish_rig(self, title: str, data: dict[str, Any]) -> SubentryFlowResult:
        """Add the rig."""
        return self.async_create_entry(title=title, data=data)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change a rig's name and settings; its witnesses and outlet stay."""
        subentry = self._get_reconfigure_subentry()
        errors = _settings_errors(user_input)
        if user_input is not None and not errors:
            return self.async_update_and_abort(
                self._get_entry(),
                subentry,
                title=user_input[CONF_NAME].strip(),
                data=dict(subentry.data) | _settings_from_form(user_input),
            )
        shown = {CONF_NAME: subentry.title, **subentry.data} if user_input is None else _as_stored(user_input)
        return self.async_show_form(step_id="reconfigure", data_schema=_settings_schema(shown), errors=errors)
