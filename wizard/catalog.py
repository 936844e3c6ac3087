"""The step catalog: the article's steps as data, loaded once from assets/steps.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

Mode = Literal["api", "console", "check", "n/a"]
MODES: tuple[Mode, ...] = ("api", "console", "check", "n/a")

# The article's numbering, in order. The catalog must list exactly these.
EXPECTED_NUMBERS: tuple[str, ...] = (
    "B.1", "B.2",
    "1", "2", "3", "4", "5", "6", "7", "8", "9",
    "10.1", "10.2", "10.3", "10.4", "10.5",
    "11", "12", "13", "14", "15", "16", "17",
    "18.1", "18.2", "18.3",
    "19", "20", "21", "22", "23", "24",
)  # fmt: skip

# Values a step can offer to copy, and whether each is a secret.
COPY_VALUES: dict[str, tuple[str, bool]] = {
    "kandji_base_url": ("SCIM connector base URL", False),
    "scim_unique_id": ("Unique identifier field for users", False),
    "kandji_token": ("Bearer token", True),
    "app_label": ("App name", False),
    "placeholder_sso_url": ("Single sign-on URL", False),
    "placeholder_audience": ("Audience URI (SP Entity ID)", False),
    "group_name": ("Group name", False),
    "group_description": ("Group description", False),
    "preferred_language": ("Preferred Language", False),
    "locale": ("Locale", False),
}
INPUTS: tuple[str, ...] = ("kandji_base_url", "kandji_token")
LINKS: tuple[str, ...] = ("kandji", "app-general", "app-provisioning", "app-assignments")


class CatalogError(ValueError):
    """The step texts in assets/ are inconsistent (a packaging or editing mistake)."""


@dataclass(frozen=True)
class Action:
    """A piece of work shared by consecutive steps (e.g. steps 2–8 create the app)."""

    key: str
    title: str
    summary: str
    automation: tuple[str, ...] = ()
    detection: str = ""
    link: str | None = None


@dataclass(frozen=True)
class Step:
    number: str
    title: str
    goal: str
    mode: Mode
    where: str
    action: str
    checklist: tuple[str, ...] = ()
    copy: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    optional: bool = False


@dataclass(frozen=True)
class Catalog:
    steps: tuple[Step, ...]
    actions: dict[str, Action]
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index.update({step.number: i for i, step in enumerate(self.steps)})

    def __len__(self) -> int:
        return len(self.steps)

    def __contains__(self, number: object) -> bool:
        return number in self._index

    def get(self, number: str) -> Step:
        try:
            return self.steps[self._index[number]]
        except KeyError:
            raise KeyError(f"no step {number!r}") from None

    def position(self, number: str) -> int:
        """1-based position of a step, for 'Step 10.4 · 15 of 32'."""
        return self._index[number] + 1

    def next(self, number: str) -> Step | None:
        i = self._index[number] + 1
        return self.steps[i] if i < len(self.steps) else None

    def previous(self, number: str) -> Step | None:
        i = self._index[number] - 1
        return self.steps[i] if i >= 0 else None

    def action_of(self, number: str) -> Action:
        return self.actions[self.get(number).action]

    def steps_of(self, action_key: str) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.action == action_key)

    def span(self, action_key: str) -> str:
        """The step range an action covers, as the article would say it: '10.1–10.5'."""
        members = self.steps_of(action_key)
        first, last = members[0].number, members[-1].number
        return first if first == last else f"{first}–{last}"

    def action_order(self) -> list[str]:
        """Action keys in the order their steps appear (each action's steps are consecutive)."""
        return list(dict.fromkeys(step.action for step in self.steps))

    def optional_numbers(self) -> tuple[str, ...]:
        return tuple(step.number for step in self.steps if step.optional)


def _tuple(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(f"{where}: expected a list of strings")
    return tuple(value)


def parse_catalog(data: dict) -> Catalog:
    actions: dict[str, Action] = {}
    for key, raw in data.get("action", {}).items():
        link = raw.get("link")
        if link is not None and link not in LINKS:
            raise CatalogError(f"action {key}: unknown link {link!r}")
        actions[key] = Action(
            key=key,
            title=raw["title"],
            summary=raw["summary"],
            automation=_tuple(raw.get("automation", []), f"action {key}.automation"),
            detection=raw.get("detection", ""),
            link=link,
        )
    steps: list[Step] = []
    for raw in data.get("step", []):
        number = raw.get("number", "?")
        mode = raw.get("mode")
        if mode not in MODES:
            raise CatalogError(f"step {number}: mode {mode!r} is not one of {MODES}")
        if raw.get("action") not in actions:
            raise CatalogError(f"step {number}: unknown action {raw.get('action')!r}")
        copy = _tuple(raw.get("copy", []), f"step {number}.copy")
        inputs = _tuple(raw.get("inputs", []), f"step {number}.inputs")
        unknown = [key for key in copy if key not in COPY_VALUES] + [k for k in inputs if k not in INPUTS]
        if unknown:
            raise CatalogError(f"step {number}: unknown value keys {unknown}")
        steps.append(
            Step(
                number=number,
                title=raw["title"],
                goal=" ".join(raw["goal"].split()),
                mode=mode,
                where=raw["where"],
                action=raw["action"],
                checklist=_tuple(raw.get("checklist", []), f"step {number}.checklist"),
                copy=copy,
                inputs=inputs,
                optional=bool(raw.get("optional", False)),
            )
        )
    numbers = tuple(step.number for step in steps)
    if numbers != EXPECTED_NUMBERS:
        raise CatalogError(f"steps are {numbers}, expected the article's {EXPECTED_NUMBERS}")
    return Catalog(steps=tuple(steps), actions=actions)


def steps_file() -> Path:
    from assets import ASSETS_DIR

    return ASSETS_DIR / "steps.toml"


@cache
def load_catalog() -> Catalog:
    """The catalog, parsed once per process."""
    with steps_file().open("rb") as handle:
        return parse_catalog(tomllib.load(handle))
