"""How many Okta calls the automated path makes, and how long it takes, by tenant size.

Runs the wizard's API steps (credentials check, app, group, user, schema, assignment) against
the Okta simulator seeded with 100 and with 50,000 users. The call count must not grow with
the tenant: every lookup is a direct or indexed query, never a scan of all users.

    python benchmarks/okta_calls.py            # prints one line per tenant size
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from wizard.okta.auth import ApiTokenAuth
from wizard.okta.client import OktaClient
from wizard.okta.domains import parse_org_url
from wizard.okta.payloads import DEFAULT_ASSIGNMENT_PROFILE
from wizard.okta_simulator import OktaSimulator

SIZES = ((100, 10, 3), (50_000, 5_000, 300))  # users, groups, apps
LOGIN = "kandji.test@acme.example.com"


async def automated_path(okta: OktaClient, console: Callable[[str], object]) -> None:
    await okta.get_org()
    app = await okta.find_app_by_label("Kandji SCIM App") or await okta.create_saml_app("Kandji SCIM App")
    console(app["id"])  # steps 9-14 happen in the Admin Console, not over the API
    group = await okta.find_group_by_name("Kandji Users") or await okta.create_group(
        "Kandji Users", "People provisioned to Kandji by SCIM"
    )
    user = await okta.find_user(LOGIN)
    if user is None:
        profile = {"firstName": "Kandji", "lastName": "Test", "email": LOGIN, "login": LOGIN}
        user = await okta.create_user(profile, SecretStr("Bench-Pa55word!"), [group["id"]])
    schema = await okta.get_app_user_schema(app["id"])
    known = schema["definitions"]["custom"]["properties"]
    profile = {k: v for k, v in DEFAULT_ASSIGNMENT_PROFILE.items() if k in known}
    await okta.assign_group(app["id"], group["id"], profile)


async def run(users: int, groups: int, apps: int) -> tuple[int, float, float]:
    with OktaSimulator(record=False) as sim:
        started = time.perf_counter()
        sim.seed(users=users, groups=groups, apps=apps)
        seeded = time.perf_counter() - started
        org = parse_org_url(sim.base_url, allow_insecure_loopback=True)
        async with OktaClient(org, ApiTokenAuth(SecretStr(sim.api_token))) as okta:
            started = time.perf_counter()
            await automated_path(okta, sim.enable_scim_provisioning)
            elapsed = time.perf_counter() - started
            return len(okta.call_log), elapsed, seeded


def main() -> int:
    counts = set()
    for users, groups, apps in SIZES:
        calls, seconds, seeded = asyncio.run(run(users, groups, apps))
        counts.add(calls)
        print(
            f"users={users} groups={groups} apps={apps} calls={calls} seconds={seconds:.3f} "
            f"seed_seconds={seeded:.2f}"
        )
    if len(counts) != 1:
        print("FAIL: the call count depends on the tenant size", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
