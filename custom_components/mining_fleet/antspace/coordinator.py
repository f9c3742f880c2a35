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
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..api.antspace import AntspaceClient
from ..api.antspace_models import Alert, CoolerState, MinerInfo, Model
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
        self.device_id: str | None = None

    @property
    def host(self) -> str:
        """Return the controller's address."""
        return self._client.host

    async def _async_update_data(self) -> ContainerData:
        """Read the cooling state (failures fail the poll) and the miners (failures only lose them)."""
        try:
            state = await self._client.cooler_state()
        except ApiError as err:
            unreachable = api_error_key(err) == "cannot_connect"
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="container_cannot_connect" if unreachable else "container_unexpected_response",
                translation_placeholders={"host": self.host, "error": str(err)},
            ) from err
        try:
            miners: MinerInfo | None = await self._client.miner_info()
        except ApiError as err:
            LOGGER.debug("%s: minerInfo failed, the cooling data stands: %s", self.host, err)
            miners = None
        self._announce(state.alerts)
        return ContainerData(state, miners)

    def _announce(self, alerts: list[Alert]) -> None:
        """Fire an event for each alert that appeared or cleared since the last poll (not for those that stay)."""
        active = {alert.key: alert for alert in alerts}
        for key, alert in active.items():
            if key not in self._announced:
                self._fire(alert, active=True)
        for key, alert in self._announced.items():
            if key not in active:
                self._fire(alert, active=False)
        self._announced = active

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
