"""okta-kandji-setup core: everything but the terminal UI. Never imports textual."""

__version__ = "0.1.0"
