"""Embedded demo services (a Kandji-like SCIM server, an Okta simulator), used by `--demo` and tests.

Submodules are imported on demand so the wizard does not load server code it does not use.
"""
