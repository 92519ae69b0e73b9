"""Survey source connectors (``syncd.contracts.SurveySource`` implementations)."""
