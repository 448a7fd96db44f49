"""A configuration form builds the tables a config file holds and the loader checks them: the
form adds no rule of its own, and a refusal names the form's own field."""

from __future__ import annotations

import dataclasses

import pytest
from multidict import MultiDict, MultiDictProxy

from hallserver.config import ConfigError, config_tables, load_config, settings_from
from hallserver.domain.settings import Policy, Thresholds
from manage.configuration import POLICY_FIELDS, SUPERVISION_FIELDS, rows_of, tables_from_form
from tests.support.server import SAMPLE

SETTINGS = load_config(SAMPLE)
RUNNING = config_tables(SETTINGS)


def _form(pairs: list[tuple[str, str]]) -> MultiDictProxy[str]:
    return MultiDictProxy(MultiDict(pairs))


def _services_form(change: dict[str, str]) -> MultiDictProxy[str]:
    """The services form as the page sends it (every row, plus the empty new one), changed."""
    rows = rows_of(RUNNING, "services")
    pairs = [("rows", str(len(rows) + 1))]
    for i, row in enumerate(rows):
        pairs += [(f"services[{i}].{k}", v) for k, v in row.items() if isinstance(v, str)]
    pairs = [(k, change.pop(k, v)) for k, v in pairs]
    return _form(pairs + list(change.items()))


def test_the_unchanged_form_gives_the_running_settings() -> None:
    tables, _, _ = tables_from_form(RUNNING, "services", _services_form({}))
    assert settings_from(tables, "form") == SETTINGS


def test_every_rule_field_is_on_the_form() -> None:
    assert set(POLICY_FIELDS) == {f.name for f in dataclasses.fields(Policy)}
    assert set(SUPERVISION_FIELDS) == {f.name for f in dataclasses.fields(Thresholds)}


def test_a_refusal_after_a_removed_row_names_the_forms_own_row() -> None:
    form = _services_form({"services[0].remove": "1", "services[3].handling_s": "abc"})
    tables, field_of, shown = tables_from_form(RUNNING, "services", form)
    assert shown[0]["remove"] and len(tables["services"]) == len(SETTINGS.services) - 1
    # A removed service leaves the windows that served it.
    assert all("A" not in w["services"] for w in tables["windows"])
    with pytest.raises(ConfigError) as e:
        settings_from(tables, "form")
    assert e.value.key == "services[2].handling_s"  # the third service left, D …
    assert field_of(e.value.key) == "services[3].handling_s"  # … the form's fourth row
    assert e.value.why() == "须为整数，不能是文本 · must be int, not str"


def test_a_new_row_adds_a_service_and_an_empty_one_is_ignored() -> None:
    n = len(SETTINGS.services)
    form = _services_form({f"services[{n}].code": "N", f"services[{n}].name": "新业务",
                           f"services[{n}].handling_s": "300", f"services[{n}].digits": "3",
                           "rows": str(n + 2)})  # fmt: skip
    tables, _, _ = tables_from_form(RUNNING, "services", form)
    with pytest.raises(ConfigError, match=r"services\[12\]: service 'N' is served by no window"):
        settings_from(tables, "form")


def test_hours_and_numbers_are_typed_as_the_loader_reads_a_file() -> None:
    form = _form([("hours.weekdays", "1"), ("hours.weekdays", "6"), ("hours.open", "09:00"),
                  ("hours.last_ticket", "08:00")])  # fmt: skip
    tables, _, _ = tables_from_form(RUNNING, "hours", form)
    assert tables["hours"]["weekdays"] == [1, 6]
    with pytest.raises(ConfigError) as e:
        settings_from(tables, "form")
    assert e.value.key == "hours.last_ticket"
    form = _form([(f"policy.{k}", "0.5" if k == "ewma_alpha" else "3") for k in POLICY_FIELDS])
    tables, _, _ = tables_from_form(RUNNING, "policy", form)
    assert settings_from(tables, "form").policy.ewma_alpha == 0.5
