"""Smart outlets that power rigs: one outlet of a TP-Link Kasa plug or power strip, through python-kasa."""

from __future__ import annotations

from dataclasses import dataclass

from kasa import AuthenticationError, Device, DeviceConfig, KasaException, Module

from .errors import ApiConnectionError, ApiInvalidCredentialsError, ApiResponseError

DEFAULT_TIMEOUT = 5


@dataclass(frozen=True, slots=True)
class OutletState:
    """Whether the outlet is on, and what it draws where it meters (W)."""

    on: bool
    power_w: float | None


class KasaOutlet:
    """Switch one outlet: a plug, or a strip's child by id (or alias)."""

    def __init__(
        self,
        host: str,
        *,
        child: str | None = None,
        port: int | None = None,
        config: DeviceConfig | None = None,
        timeout: int = DEFAULT_TIMEOUT,
    ) -> None:
        """Remember the device; newer (KLAP/AES) devices need the config saved from their discovery."""
        self.host = host
        self._child = child
        self._config = config or DeviceConfig(host=host, port_override=port, timeout=timeout)
        self._device: Device | None = None

    async def state(self) -> OutletState:
        """Read the outlet's relay and power."""
        outlet = await self._outlet(refresh=True)
        energy = outlet.modules.get(Module.Energy)
        power = energy.current_consumption if energy is not None else None
        return OutletState(on=bool(outlet.is_on), power_w=None if power is None else float(power))

    async def set_on(self, on: bool) -> None:
        """Switch the outlet on or off."""
        outlet = await self._outlet(refresh=False)
        try:
            await (outlet.turn_on() if on else outlet.turn_off())
        except (KasaException, TimeoutError, OSError) as err:
            raise self._error(err) from err

    async def close(self) -> None:
        """Close the connection."""
        if self._device is not None:
            device, self._device = self._device, None
            await device.disconnect()

    async def _outlet(self, *, refresh: bool) -> Device:
        """Return the device (connected once) or its child outlet."""
        try:
            if self._device is None:
                self._device = await Device.connect(config=self._config)
            elif refresh:
                await self._device.update()
        except (KasaException, TimeoutError, OSError) as err:
            self._device = None
            raise self._error(err) from err
        if self._child is None:
            return self._device
        for child in self._device.children:
            if self._child in (child.device_id, child.alias):
                return child
        raise ApiResponseError(f"{self.host} has no outlet {self._child!r}")

    def _error(self, err: Exception) -> ApiConnectionError | ApiInvalidCredentialsError:
        """Map a python-kasa failure into the exception tree."""
        if isinstance(err, AuthenticationError):
            return ApiInvalidCredentialsError(f"{self.host} refused the TP-Link credentials: {err}")
        return ApiConnectionError(f"cannot reach the outlet at {self.host}: {err}")
