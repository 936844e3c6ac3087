"""Real Okta answers recorded by terraform-provider-okta (../shared/okta/recorded/), read in place.

The file is never copied into the repository. Tests that need it skip, naming the path, when it
is absent; under CI (`CI` set) the absence fails instead, so a missing file is never mistaken
for a pass.
"""

from __future__ import annotations

import fnmatch
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.environment import require_file

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RECORDED = ROOT.parent / "shared" / "okta" / "recorded" / "interactions.jsonl"


def recorded_path() -> Path:
    return Path(os.environ.get("OKTA_RECORDED_INTERACTIONS") or DEFAULT_RECORDED)


def skip_or_fail_missing(path: Path, what: str) -> None:
    """Skip when a shared input file is absent on a developer machine; fail under CI."""
    require_file(path, what, "OKTA_RECORDED_INTERACTIONS")


@dataclass(frozen=True)
class Interaction:
    file: str
    id: int
    method: str
    path: str
    query: str
    req_body: str
    code: int
    resp_headers: dict[str, list[str]]
    resp_body: str

    @property
    def name(self) -> str:
        cassette = self.file.split("/")[1] if "/" in self.file else self.file
        return f"{self.method} {self.path} {self.code} ({cassette}#{self.id})"

    def json(self) -> Any:
        return json.loads(self.resp_body) if self.resp_body else None


def load_interactions() -> list[Interaction]:
    path = recorded_path()
    if not path.is_file():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            found.append(
                Interaction(
                    raw["file"],
                    int(raw["id"]),
                    raw["method"],
                    raw["path"],
                    raw.get("query") or "",
                    raw.get("req_body") or "",
                    int(raw["code"]),
                    {k: list(v) for k, v in (raw.get("resp_headers") or {}).items()},
                    raw.get("resp_body") or "",
                )
            )
    return found


# -- comparing shapes -------------------------------------------------------------------------


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def differences(recorded: Any, served: Any, path: str = "$") -> list[str]:
    """Where `served` has other keys or value types than `recorded` (values are not compared)."""
    if json_type(recorded) != json_type(served):
        return [f"{path}: {json_type(recorded)} recorded, {json_type(served)} served"]
    if isinstance(recorded, dict):
        found = [f"{path}.{k}: missing" for k in recorded if k not in served]
        found += [f"{path}.{k}: extra" for k in served if k not in recorded]
        for key in recorded:
            if key in served:
                found += differences(recorded[key], served[key], f"{path}.{key}")
        return found
    if isinstance(recorded, list):
        if bool(recorded) != bool(served):
            return [f"{path}: {len(recorded)} items recorded, {len(served)} served"]
        found = []
        for item_recorded, item_served in zip(recorded, served, strict=False):
            found += differences(item_recorded, item_served, f"{path}[]")
        return found
    return []


def unexplained(found: list[str], allowed: dict[str, str]) -> list[str]:
    """The differences no entry of `allowed` (glob on the difference text → reason) explains."""
    return [d for d in found if not any(fnmatch.fnmatchcase(d, pattern) for pattern in allowed)]
