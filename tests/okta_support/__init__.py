"""Helpers for the Okta client and simulator tests: spec validation, TLS, a CONNECT proxy."""
