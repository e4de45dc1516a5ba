"""Statistics on NumPy arrays: column profiles now; drift, performance and estimation later."""

from tendml.stats.profile import QUANTILES, categorical_profile, numeric_profile

__all__ = ["QUANTILES", "categorical_profile", "numeric_profile"]
