"""syncd: closes the NPS feedback loop between survey tools and the CRM."""

__version__ = "0.1.0"
