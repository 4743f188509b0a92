"""The permission matrix, walked over the app's routes: every route has an entry, every role is
refused exactly the routes its row lacks, with a 403 that names the roles that may."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from socle.governance.base import ROLES, Role
from socle.governance.permissions import CONSOLE_ROUTES, MATRIX, PERMISSIONS, ROUTES, allows, route_permission
from socle.router.fake import FakeChatModel
from socle.server.app import create_app
from starlette.routing import BaseRoute

from tests.conftest import App, build_app, make_settings

pytestmark = pytest.mark.anyio
_PARAM = re.compile(r"\{([^}:]+)(:[^}]*)?\}")
_SAMPLES = {"scope": "tenant", "scope_id": "acme"}


def _flat(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # FastAPI >= 0.163 nests included routers
        if included is not None:
            yield from _flat(included.routes)


def _routes(tmp_path: Path, *, console: bool = True) -> list[APIRoute]:
    """The app's routes; `console=False` leaves out the console's pages (signed in by session)."""
    found = _flat(create_app(make_settings(tmp_path)).routes)
    return [r for r in found if console or r.name not in CONSOLE_ROUTES]


def test_every_route_has_an_entry_and_every_entry_a_route(tmp_path: Path) -> None:
    names = {r.name for r in _routes(tmp_path)}
    both = set(ROUTES) | set(CONSOLE_ROUTES)
    assert names - both == set(), "routes without a permission: add them to ROUTES or CONSOLE_ROUTES"
    assert both - names == set(), "ROUTES or CONSOLE_ROUTES names routes the app does not have"


def test_every_role_has_a_row_of_known_permissions() -> None:
    assert set(MATRIX) == set(ROLES)
    assert all(row <= set(PERMISSIONS) for row in MATRIX.values())
    assert all(p in PERMISSIONS for p in [*ROUTES.values(), *CONSOLE_ROUTES.values()] if p is not None)


def test_an_unknown_route_is_refused() -> None:
    with pytest.raises(KeyError):
        route_permission("admin.secret-backdoor")


@pytest.fixture
async def strict_app(tmp_path: Path) -> AsyncIterator[App]:
    settings = make_settings(tmp_path, server={"metrics_require_key": True})
    async for app in build_app(settings, FakeChatModel()):
        yield app


def _path(route: APIRoute) -> str:
    return _PARAM.sub(lambda m: _SAMPLES.get(m.group(1), "x"), route.path)


async def test_each_role_is_refused_exactly_what_its_row_lacks(strict_app: App, tmp_path: Path) -> None:
    keys: dict[Role, str] = {}
    for role in ROLES:
        keys[role] = (await strict_app.deps.keys.create(f"k-{role}", tenant_id="acme", role=role)).secret
    checked = 0
    for route in _routes(tmp_path, console=False):
        permission = ROUTES[route.name]
        for method in sorted(route.methods or ()):
            for role, secret in keys.items():
                response = await strict_app.http.request(
                    method, _path(route), json={}, headers={"authorization": f"Bearer {secret}"}
                )
                refused = response.status_code == 403 and "may not do this" in response.text
                expected = permission is not None and not allows(role, permission)
                assert refused == expected, (route.name, method, role, response.status_code, response.text)
                if refused:
                    assert response.json()["error"]["code"] == "permission_denied"
                    assert permission in response.json()["error"]["message"]
                checked += 1
    assert checked >= len(ROLES) * len(ROUTES)


async def test_public_routes_need_no_key(strict_app: App, tmp_path: Path) -> None:
    for route in _routes(tmp_path, console=False):
        if ROUTES[route.name] is None:
            assert (await strict_app.http.get(_path(route))).status_code != 401
