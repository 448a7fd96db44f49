"""Schemathesis against the served /api/v1/openapi.json: every route, generated requests (valid
and invalid), no 5xx and every answer as the contract says (status, headers, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from tests.support.server import HallServerProcess

EXAMPLES = 20  # per route and mode: several hundred requests a run


@pytest.mark.timeout(300)  # about 40 s alone; the machine may be busy
def test_every_route_answers_as_documented(hall_server: HallServerProcess) -> None:
    contract = schemathesis.openapi.from_url(f"{hall_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {hall_server.tokens['manager-1']}"}
    failures: dict[str, str] = {}
    tried: list[str] = []
    requests = 0
    for result in contract.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/events"):
            continue  # a WebSocket: tested with real clients in test_api and test_operations

        @given(
            case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
            | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        )
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case: schemathesis.Case) -> None:
            nonlocal requests
            requests += 1
            # Schema-valid is not always hall-valid (a service code this hall lacks): a 4xx for
            # valid data is allowed, anything the schema forbids must still be refused.
            case.call_and_validate(
                base_url=hall_server.url,
                headers=headers,
                excluded_checks=[schemathesis.checks.positive_data_acceptance],
            )

        try:
            check()
        except FailureGroup as e:  # collected: every route is tried, all are reported
            failures[operation.label] = str(e)[:2000]
        tried.append(operation.label)
    print(f"schemathesis: {requests} requests over {len(tried)} routes")
    assert len(tried) >= 20 and requests >= 300, (len(tried), requests)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
