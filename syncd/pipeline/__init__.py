"""The four stages: poll, plan, deliver, track. Each imports the contracts, never another stage."""
