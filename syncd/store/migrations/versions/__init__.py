"""Schema revisions, applied in order by ``syncd.store.engine.migrate``."""
