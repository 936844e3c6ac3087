"""Stylesheets and step texts, shipped inside the wheel."""

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
