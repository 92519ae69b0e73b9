"""AskNicely (https://<subdomain>.asknice.ly/api/v1) as a survey source with a webhook."""

from connectors.sources.asknicely.settings import AskNicelySettings
from connectors.sources.asknicely.source import AskNicelySource

__all__ = ["AskNicelySettings", "AskNicelySource"]
