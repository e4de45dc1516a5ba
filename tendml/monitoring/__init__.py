"""Monitoring: drift between samples now; monitors over the prediction log, estimated accuracy and
alerts next."""

from tendml.monitoring.drift import drift

__all__ = ["drift"]
