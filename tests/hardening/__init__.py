"""Hardening: faults, hostile input, secrets, soaks and fuzzing (issue 5)."""
