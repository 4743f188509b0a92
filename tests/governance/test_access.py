"""The access policy as a decision table: tenant filters, reading runs, approving them."""

from __future__ import annotations

import pytest
from socle.governance.access import Owner, approve_run, in_reach, read_run
from socle.governance.base import Principal

from socle.errors import ErrorCode

RUN = Owner("ta", "k-starter")
STARTER = Principal("k-starter", "ta", "user")
ADMIN_STARTER = Principal("k-starter", "ta", "admin")
COLLEAGUE = Principal("k-colleague", "ta", "user")
TENANT_ADMIN = Principal("k-admin", "ta", "admin")
OTHER_TENANT_ADMIN = Principal("k-other", "tb", "admin")
PLATFORM = Principal("k-root", "default", "admin", scope="platform")
# A key id is unique across tenants, but a policy must not rest on it: same id, other tenant.
SAME_ID_OTHER_TENANT = Principal("k-starter", "tb", "user")


def test_only_platform_admins_reach_every_tenant() -> None:
    assert in_reach(PLATFORM, "tb") and in_reach(TENANT_ADMIN, "ta")
    assert not in_reach(TENANT_ADMIN, "tb")
    # `platform` on a user key gives nothing (KeyManager refuses to make one anyway).
    assert not in_reach(Principal("k", "ta", "user", scope="platform"), "tb")


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [
        (STARTER, True),
        (TENANT_ADMIN, True),
        (PLATFORM, True),
        (COLLEAGUE, False),
        (OTHER_TENANT_ADMIN, False),
        (SAME_ID_OTHER_TENANT, False),
    ],
)
def test_who_reads_a_run(caller: Principal, allowed: bool) -> None:
    access = read_run(caller, RUN)
    assert access.allowed is allowed
    assert access.hidden is not allowed  # a refused reader is told the run does not exist


@pytest.mark.parametrize(
    ("caller", "allowed", "hidden", "code"),
    [
        (TENANT_ADMIN, True, False, ErrorCode.PERMISSION_DENIED),
        (PLATFORM, True, False, ErrorCode.PERMISSION_DENIED),
        (STARTER, False, False, ErrorCode.SELF_APPROVAL),
        (ADMIN_STARTER, False, False, ErrorCode.SELF_APPROVAL),
        (COLLEAGUE, False, True, ErrorCode.PERMISSION_DENIED),
        (OTHER_TENANT_ADMIN, False, True, ErrorCode.PERMISSION_DENIED),
    ],
)
def test_who_approves_a_run(caller: Principal, allowed: bool, hidden: bool, code: ErrorCode) -> None:
    access = approve_run(caller, RUN)
    assert (access.allowed, access.hidden, access.code) == (allowed, hidden, code)


def test_a_run_without_a_recorded_starter_is_read_by_admins_only() -> None:
    anonymous = Owner("ta", "")
    assert not read_run(Principal("", "ta", "user"), anonymous).allowed
    assert read_run(TENANT_ADMIN, anonymous).allowed
