"""The sandbox's default connectors: the sections the packaged ``demo.toml`` itself holds.

Kept apart from ``syncd.runtime.demo_config`` so the command line can name them in its help
without importing the daemon (which made every ``syncd`` command start in about two seconds).
"""

DEFAULT_SOURCE = "delighted"
DEFAULT_CRM = "hubspot"
