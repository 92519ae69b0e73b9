"""Running syncd: wiring from settings, the daemon loop, logging and signals."""
