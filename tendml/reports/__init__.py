"""Reports: results rendered as JSON and as self-contained interactive HTML (Plotly's bundled JavaScript)."""

from tendml.reports.drift import drift_html, drift_json

__all__ = ["drift_html", "drift_json"]
