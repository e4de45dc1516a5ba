"""Monitoring: drift between samples, and windows over a served model's prediction log (drift,
realised performance, usage)."""

from tendml.monitoring.drift import drift
from tendml.monitoring.window import monitor_window, parse_window

__all__ = ["drift", "monitor_window", "parse_window"]
