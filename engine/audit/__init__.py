"""Auditing: case search, the hash chain check, replay states, the access log, privacy and exports."""
