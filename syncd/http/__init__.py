"""The daemon's one HTTP port: probes, metrics, webhooks and the live dashboard."""
