"""The inference server: protocols (v2, MLflow, native), validation, adaptive batching, canary and
shadow routing, prediction log and feedback."""
