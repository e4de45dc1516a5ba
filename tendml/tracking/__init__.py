"""Tracking: runs with their params, metrics, tags, artifacts, inputs and environment."""

from tendml.tracking.run import ActiveRun, active_runs
from tendml.tracking.service import Tracker

__all__ = ["ActiveRun", "Tracker", "active_runs"]
