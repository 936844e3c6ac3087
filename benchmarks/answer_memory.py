"""Peak memory of `okta-kandji-setup apply` when a server answers far too much (issue 15).

Each run is a real `apply` process (`--timeout 0`: it stops at step 9, the first console step)
against the embedded Okta simulator and SCIM server, with the Okta traffic passing through
`tests.hostile_answers.HostileOkta`. The child's peak resident memory comes from `wait4`'s
rusage. Runs:

  normal          nothing altered
  50 MB answer    GET /api/v1/apps?q=… answered with a 50 MB JSON list (refused past 10 MB)
  9 MB answer     the same list at 9 MB, under the cap: read and searched like a real page

The target: the 50 MB answer stays within 80 MB of the normal run.

    .venv-test/bin/python benchmarks/answer_memory.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import hostile_answers as H
from tests.hardening_support import FAST_CLI, cli_env
from tests.test_cli_fixtures import CONFIG
from wizard.demo.services import DemoServices

MB = 1024 * 1024
TARGET_MB = 80
APPS_SEARCH = r"/api/v1/apps\?q=.*"


def run_apply(answer: Callable[[], H.Answer] | None) -> tuple[int, float, str]:
    """(exit code, peak RSS in MiB, last line printed) of one `apply` process."""
    with DemoServices() as demo, H.HostileOkta(demo.org_url) as hostile, tempfile.TemporaryDirectory() as tmp:
        if answer is not None:
            hostile.add("GET", APPS_SEARCH, answer)
        root = Path(tmp)
        config = root / "setup.toml"
        config.write_text(
            CONFIG.format(org_url=hostile.url, kandji_url=demo.kandji_base_url, login=demo.test_person.login)
        )
        argv = [sys.executable, "-c", FAST_CLI, "apply", "--config", str(config), "--yes"]
        argv += ["--allow-insecure-loopback", "--timeout", "0"]
        env = {**cli_env(demo, root), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        with open(root / "out.txt", "wb") as out:
            child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
        lines = (root / "out.txt").read_text(errors="replace").strip().splitlines()
        # ru_maxrss is in KiB on Linux, bytes on macOS.
        peak = usage.ru_maxrss / (MB if sys.platform == "darwin" else 1024)
        return child.returncode, peak, lines[-1] if lines else ""


def main() -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind (the highest peak is kept)")
    args = parser.parse_args()
    kinds: dict[str, Callable[[], H.Answer] | None] = {
        "normal": None,
        "50 MB answer": lambda: H.big_json_list(50 * MB),
        "9 MB answer": lambda: H.big_json_list(9 * MB),
    }
    peaks: dict[str, float] = {}
    print(f"{'run':<14} {'exit':>4} {'peak RSS':>10}  last line")
    for name, answer in kinds.items():
        for _ in range(args.repeat):
            code, peak, last = run_apply(answer)
            peaks[name] = max(peaks.get(name, 0.0), peak)
            print(f"{name:<14} {code:>4} {peak:>7.1f} MiB  {last[:100]}")
    over = peaks["50 MB answer"] - peaks["normal"]
    verdict = "within" if over <= TARGET_MB else "OVER"
    print(f"\n50 MB answer: +{over:.1f} MiB over a normal run ({verdict} the {TARGET_MB} MB target)")
    print(f" 9 MB answer: +{peaks['9 MB answer'] - peaks['normal']:.1f} MiB over a normal run")
    return 0 if over <= TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
