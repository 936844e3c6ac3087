"""`pip install .` (not editable) into a fresh venv gives a working command with its assets."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from wizard import __version__

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheels = list(dist.glob("okta_kandji_setup-*.whl"))
    assert len(wheels) == 1

    target = tmp_path / "venv"
    # Reuse the test venv's installed dependencies instead of downloading them again. The new
    # venv gets no pip of its own (ensurepip costs seconds of CPU): the test venv's pip installs
    # into it with `--python`, as the venv's own pip would.
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(target)
    site = subprocess.run(
        [sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    pth_dir = subprocess.run(
        [str(target / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(target / "bin" / "python"),
            "install",
            "--no-deps",
            "--quiet",
            str(wheels[0]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    # Dependencies come from the test venv, appended after the wheel's own files so the
    # installed copy of our packages (not the checkout) is what gets imported.
    Path(pth_dir, "zz_test_deps.pth").write_text(site + "\n")

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    command = target / "bin" / "okta-kandji-setup"
    version = subprocess.run(
        [str(command), "--version"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"okta-kandji-setup {__version__}"
    helptext = subprocess.run([str(command), "--help"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert helptext.returncode == 0 and "--demo" in helptext.stdout
    as_module = subprocess.run(
        [str(target / "bin" / "python"), "-m", "wizard", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert as_module.returncode == 0 and as_module.stdout.strip() == version.stdout.strip()

    # The installed package (not the checkout) finds its assets.
    probe = subprocess.run(
        [
            str(target / "bin" / "python"),
            "-c",
            "import wizard, assets; from wizard.catalog import load_catalog, steps_file;"
            "from pathlib import Path;"
            "print(len(load_catalog()), Path(wizard.__file__).parent.parent, "
            "(Path(assets.__file__).parent / 'wizard.tcss').is_file())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert probe.returncode == 0, probe.stderr
    count, location, has_css = probe.stdout.split()
    assert count == "32" and has_css == "True"
    assert Path(location).resolve() != ROOT
