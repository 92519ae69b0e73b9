"""Chaos scenarios: crashes, CRM faults, replicas, shared rate limits and late comments."""
