"""The core package must be importable without Textual (DESIGN §3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_wizard_module_leaves_textual_out() -> None:
    code = (
        "import pkgutil, importlib, sys, wizard\n"
        "names = [m.name for m in pkgutil.walk_packages(wizard.__path__, 'wizard.')\n"
        "         if not m.name.endswith('__main__')]\n"
        "for name in names: importlib.import_module(name)\n"
        "assert len(names) > 3, names\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(names), 'modules;', 'textual loaded:', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "textual loaded: []" in result.stdout
