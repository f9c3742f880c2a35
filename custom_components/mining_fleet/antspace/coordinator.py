"""An Antspace container's coordinator: the cooling state, the miners it lists, alerts, and its writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..api.antspace import AntspaceClient
from ..api.antspace_models import LOW_SUPPLY_ALERT, Alert, CoolerState, MinerInfo, Model, Severity
from ..api.errors import ApiError
from ..const import DOMAIN, EVENT_CONTAINER_ALERT, LOGGER
from ..coordinator import MiningFleetCoordinator
from ..miner.coordinator import action_error, api_error_key
from .limits import CONF_MINERS, CONF_SETPOINT_MAX, CONF_SETPOINT_MIN, setpoint_limits

type AntspaceConfigEntry = ConfigEntry[AntspaceCoordinator]

CONF_MODEL = "model"
# The controller asks a PLC for every reply (seconds each); cooling changes over minutes.
POLL_INTERVAL = timedelta(seconds=30)
MODEL_NAMES = {Model.HK3: "HK3 hydro", Model.IMMERSION: "Immersion"}
# Where the controller's PID mode puts the setpoint.
PID_SETPOINT_C = 38.0


def container_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, dict[str, str]]]:
    """Return the store of the alerts a container announced."""
    return Store(hass, 1, f"{DOMAIN}.antspace.{entry_id}")


def _stored(alert: Alert) -> dict[str, str]:
    """Return an announced alert as stored."""
    return {"alert": alert.alert, "severity": str(alert.severity), "message": alert.message}


def _from_stored(key: str, raw: object) -> Alert | None:
    """Return a stored alert, or None when the record is unreadable."""
    if not isinstance(raw, dict) or raw.get("severity") not in set(Severity):
        return None
    return Alert(key, str(raw.get("alert", key)), Severity(raw["severity"]), str(raw.get("message", key)))


@dataclass(frozen=True, slots=True)
class ContainerData:
    """One poll: the cooling state, and the miners the container lists (None when that read failed)."""

    state: CoolerState
    miners: MinerInfo | None


class AntspaceCoordinator(MiningFleetCoordinator[ContainerData]):
    """Poll one container; announce each alert when it appears and when it clears."""

    def __init__(self, hass: HomeAssistant, entry: AntspaceConfigEntry) -> None:
        """Create the client on Home Assistant's shared session."""
        super().__init__(hass, LOGGER, config_entry=entry, name=entry.title, update_interval=POLL_INTERVAL)
        self.model = Model(entry.data[CONF_MODEL])
        self._client = AntspaceClient(
            entry.data[CONF_HOST], async_get_clientsession(hass), port=entry.data[CONF_PORT], model=self.model
        )
        self._announced: dict[str, Alert] = {}
        self._store: Store[dict[str, dict[str, str]]] = container_store(hass, entry.entry_id)
        self.device_id: str | None = None

    @property
    def host(self) -> str:
        """Return the controller's address."""
        return self._client.host

    async def _async_update_data(self) -> ContainerData:
        """Read the cooling state (failures fail the poll) and the miners (failures only lose them)."""
        # One read after the other on purpose: the controller asks its PLC for each reply, so two at
        # once would mostly queue there, the second's wait eating its own deadline; 30 s polls can wait.
        try:
            state = await self._client.cooler_state()
        except ApiError as err:
            unreachable = api_error_key(err) == "cannot_connect"
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="container_cannot_connect"
                if unreachable
                else "container_unexpected_response",
                translation_placeholders={"host": self.host, "error": str(err)},
            ) from err
        try:
            miners: MinerInfo | None = await self._client.miner_info()
        except ApiError as err:
            LOGGER.debug("%s: minerInfo failed, the cooling data stands: %s", self.host, err)
            miners = None
        self._announce(state)
        return ContainerData(state, miners)

    def _announce(self, state: CoolerState) -> None:
        """Fire an event for each alert that appeared or cleared since the last reading (not for those that stay).

        A flag the reply did not carry changes nothing. What was announced is kept across
        restarts and reloads: an alert still active is not announced again, one that cleared
        meanwhile is announced as cleared.
        """
        active = {alert.key: alert for alert in state.alerts}
        unknown = {key for key, value in state.faults.items() if value is None}
        if state.values.get("supply_liquid_temp") is None:
            unknown.add(LOW_SUPPLY_ALERT.key)
        for key, alert in active.items():
            if key not in self._announced:
                self._fire(alert, active=True)
        for key, alert in self._announced.items():
            if key not in active and key not in unknown:
                self._fire(alert, active=False)
        announced = active | {key: alert for key, alert in self._announced.items() if key in unknown}
        if announced.keys() != self._announced.keys():
            self._store.async_delay_save(lambda: {key: _stored(alert) for key, alert in announced.items()}, 0)
        self._announced = announced

    async def async_load_announced(self) -> None:
        """Read the alerts announced before a restart or reload."""
        stored = await self._store.async_load()
        self._announced = {
            str(key): alert
            for key, raw in (stored or {}).items()
            if (alert := _from_stored(str(key), raw)) is not None
        }

    def _fire(self, alert: Alert, *, active: bool) -> None:
        """Fire mining_fleet_container_alert."""
        self.hass.bus.async_fire(
            EVENT_CONTAINER_ALERT,
            {
                "device_id": self.device_id,
                "container": self.config_entry.title,
                "alert": alert.alert,
                "flag": alert.key,
                "severity": str(alert.severity),
                "message": alert.message,
                "active": active,
            },
        )

    @property
    def state(self) -> CoolerState:
        """Return the latest cooling state."""
        return self.data.state

    @property
    def setpoint_limits(self) -> tuple[float, float]:
        """Return the supply setpoint limits (options, else the model's defaults)."""
        return setpoint_limits(self.model, self.config_entry.options)

    @property
    def miner_device_ids(self) -> list[str]:
        """Return the devices of this integration's miners that sit in the container."""
        return list(self.config_entry.options.get(CONF_MINERS, []))

    async def _async_write(self, command: Callable[[], Awaitable[None]]) -> None:
        """Send a command; a refusal becomes a translated error naming the container; then read again."""
        try:
            await command()
        except ApiError as err:
            raise action_error(err, self.config_entry.title) from err
        await self.async_refresh()

    async def async_set_cooling(self, on: bool) -> None:
        """Start or stop the cooling."""
        await self._async_write(lambda: self._client.set_cooling(on))

    async def async_reset(self) -> None:
        """Acknowledge and clear the alarms."""
        await self._async_write(self._client.reset)

    async def async_set_pid_mode(self, on: bool) -> None:
        """Hand the setpoint to the controller's PID loop, or take it back at the current setpoint."""
        if on:
            # The controller's PID loop aims at 38 °C: allowed only when that is within the limits.
            self.check_supply_temperature(PID_SETPOINT_C)
            await self._async_write(self._client.set_pid_mode)
            return
        low, high = self.setpoint_limits
        current = self.state.setpoint if self.state.setpoint is not None else (low + high) / 2
        await self.async_set_supply_temperature(min(high, max(low, current)))

    async def async_set_supply_temperature(self, celsius: float) -> None:
        """Set the supply setpoint; outside the configured limits it is refused, naming them."""
        self.check_supply_temperature(celsius)
        await self._async_write(lambda: self._client.set_supply_temperature(celsius, self.setpoint_limits))

    def check_supply_temperature(self, celsius: float) -> None:
        """Raise a translated ServiceValidationError naming the limits unless the setpoint is within them."""
        low, high = self.setpoint_limits
        if not low <= celsius <= high:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="setpoint_outside_limits",
                translation_placeholders={
                    "name": self.config_entry.title,
                    "value": f"{celsius:g}",
                    CONF_SETPOINT_MIN: f"{low:g}",
                    CONF_SETPOINT_MAX: f"{high:g}",
                },
            )

    @property
    def device_info(self) -> DeviceInfo:
        """Return the container's device."""
        return DeviceInfo(
            identifiers={(DOMAIN, self.unique_id_base)},
            manufacturer="Bitmain Antspace",
            model=MODEL_NAMES[self.model],
            name=self.config_entry.title,
            configuration_url=f"http://{self.host}",
        )

    def diagnostics(self) -> dict[str, Any]:
        """Return the latest raw replies."""
        return {
            "model": str(self.model),
            "cooler_state": dict(self.state.raw),
            "miners": None if self.data.miners is None else self.data.miners.count,
            "alerts": [alert.key for alert in self.state.alerts],
        }
