"""Custom integrations package (lets tests import the integration before Home Assistant starts)."""
