"""Import our custom_components before pytest-homeassistant-custom-component registers its own."""

import custom_components.mining_fleet  # noqa: F401
