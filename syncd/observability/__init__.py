"""What the daemon tells an operator: liveness and readiness, Prometheus metrics, pass summaries."""
