from __future__ import annotations

import tomllib

import pytest

from wizard.catalog import (
    COPY_VALUES,
    EXPECTED_NUMBERS,
    CatalogError,
    load_catalog,
    parse_catalog,
    steps_file,
)


def test_every_article_step_is_present_in_order() -> None:
    catalog = load_catalog()
    assert tuple(step.number for step in catalog.steps) == EXPECTED_NUMBERS
    assert len(catalog) == 32
    assert catalog.position("B.1") == 1
    assert catalog.position("10.4") == 15
    assert catalog.next("24") is None and catalog.previous("B.1") is None


def test_every_step_is_complete() -> None:
    for step in load_catalog().steps:
        assert step.title and len(step.title) <= 40, step.number
        assert len(step.goal) > 20, step.number
        assert step.where, step.number
        assert step.checklist, step.number


def test_modes_follow_the_design() -> None:
    catalog = load_catalog()
    modes = {step.number: step.mode for step in catalog.steps}
    assert modes["7"] == "n/a"
    assert modes["8"] == "check" and modes["24"] == "check"
    assert all(modes[n] == "console" for n in ("9", "10.1", "10.5", "11", "12", "14"))
    assert all(modes[n] == "api" for n in ("B.2", "1", "2", "15", "16", "17", "18.2", "22"))
    assert catalog.optional_numbers() == ("17", "18.1", "18.2", "18.3")


def test_actions_group_consecutive_steps() -> None:
    catalog = load_catalog()
    assert catalog.span("create-app") == "2–8"
    assert catalog.span("scim-connection") == "10.1–10.5"
    assert catalog.span("to-app") == "12–14"
    assert catalog.span("assign") == "19–23"
    assert catalog.action_of("10.4").key == "scim-connection"
    seen: list[str] = []
    for step in catalog.steps:
        if not seen or seen[-1] != step.action:
            assert step.action not in seen, f"action {step.action} is split"
            seen.append(step.action)


def test_copy_values_where_the_admin_pastes() -> None:
    catalog = load_catalog()
    assert catalog.get("10.1").copy == ("kandji_base_url",)
    assert catalog.get("10.2").copy == ("scim_unique_id",)
    assert catalog.get("10.5").copy == ("kandji_token",)
    assert COPY_VALUES["kandji_token"][1] is True


def test_loaded_once() -> None:
    assert load_catalog() is load_catalog()


def _raw() -> dict:
    with steps_file().open("rb") as handle:
        return tomllib.load(handle)


def test_a_missing_step_is_refused() -> None:
    data = _raw()
    data["step"] = [s for s in data["step"] if s["number"] != "10.3"]
    with pytest.raises(CatalogError, match="expected the article"):
        parse_catalog(data)


def test_an_unknown_mode_is_refused() -> None:
    data = _raw()
    data["step"][0]["mode"] = "magic"
    with pytest.raises(CatalogError, match="mode"):
        parse_catalog(data)
