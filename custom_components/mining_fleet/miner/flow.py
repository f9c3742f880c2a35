"""Config-flow helpers the miner kinds share."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
import voluptuous as vol

from ..api.errors import ApiError
from ..const import LOGGER
from .coordinator import api_error_key

# Passwords are typed into a password field and never offered back as a suggested value.
PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
HOST_SCHEMA = vol.Schema({vol.Required(CONF_HOST): str})
HOST_PASSWORD_SCHEMA = vol.Schema(
    {vol.Required(CONF_HOST): str, vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR}
)
PASSWORD_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR})


def form_error(err: ApiError, host: str) -> dict[str, str]:
    """Return the form error for a failed probe; log replies we could not understand."""
    key = api_error_key(err)
    if key == "unexpected_response":
        LOGGER.warning("Unexpected reply from %s: %s", host, err)
        return {"base": "unknown"}
    return {"base": key}


def host_only(user_input: dict[str, str] | None) -> dict[str, str] | None:
    """Return the part of a submitted form that may be shown again (never the password)."""
    return None if user_input is None else {CONF_HOST: user_input[CONF_HOST]}
