"""`socle keys ...`: create (with role, scope, expiry, rate limits, models and agents), list, revoke."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.errors import InvalidRequestError
from socle.governance.base import ROLES, ApiKeyInfo, KeyScope
from socle.governance.rate_limits import Limits

keys_app = typer.Typer(
    help="Create, list and revoke API keys: in the database, or through a running Socle with --server "
    "(the admin API, where the caller's key must hold the permission).",
    no_args_is_help=True,
)
ServerOption = Annotated[
    str | None,
    typer.Option(
        help="Go through a running Socle's admin API, e.g. http://127.0.0.1:8000 (needs --api-key)."
    ),
]
ApiKeyOption = Annotated[str | None, typer.Option(envvar="SOCLE_API_KEY", help="An admin key, for --server.")]


def _remote(
    server: str, api_key: str | None, method: str, path: str, body: dict[str, object] | None = None
) -> object:
    """One admin API call; exit 1 printing the server's error message when it refuses."""
    import httpx

    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.request(
            method, f"{server.rstrip('/')}{path}", json=body, headers=headers, timeout=30
        )
    except httpx.HTTPError as e:
        console.print(f"[red]error:[/] cannot reach {server}: {type(e).__name__}", highlight=False)
        raise typer.Exit(1) from e
    if not response.is_success:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:200]
        console.print(f"[red]error:[/] {response.status_code}: {message}", highlight=False)
        raise typer.Exit(1)
    return response.json()


def _names(values: list[str] | None) -> tuple[str, ...] | None:
    """Repeated or comma-separated names (`--models a,b --models c`); None when not given."""
    if values is None:
        return None
    return tuple(dict.fromkeys(n.strip() for v in values for n in v.split(",") if n.strip()))


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="A label for the key, e.g. the application using it.")],
    tenant: Annotated[str, typer.Option(help="Tenant the key belongs to.")] = "default",
    role: Annotated[
        str, typer.Option(help=f"One of {', '.join(ROLES)} (docs/governance.md, Roles).")
    ] = "user",
    platform: Annotated[
        bool,
        typer.Option(
            "--platform",
            help="A platform admin key (needs --role admin): it may act in every tenant. "
            "Without it an admin key administers its own tenant only.",
        ),
    ] = False,
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="A group the key belongs to (repeatable); documents shared "
            "with group:<name> are visible to it."
        ),
    ] = None,
    rpm: Annotated[
        int | None, typer.Option(min=1, help="Most requests per minute (else rate_limits.key).")
    ] = None,
    tpm: Annotated[
        int | None, typer.Option(min=1, help="Most tokens per minute (else rate_limits.key).")
    ] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(help="Models it may call, comma-separated or repeated (default: every model)."),
    ] = None,
    agents: Annotated[
        list[str] | None,
        typer.Option(
            help="Agents it may call as socle-agent/<name>, comma-separated or repeated (default: all)."
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(help="When it stops working: a duration (30d, 12h, 90m) or a UTC date (2027-01-31)."),
    ] = None,
    server: ServerOption = None,
    api_key: ApiKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a key and print its secret (shown once).

    Example: socle keys create app --tenant acme --rpm 60 --tpm 100000 --models smollm2-135m --expires 30d
    """
    from socle.governance.audit import SqlAuditLog
    from socle.governance.audit_keys import signer_for
    from socle.governance.keys import KeyControls, KeyManager, parse_expiry
    from socle.wiring.store import open_store

    if server is not None:
        body = {"name": name, "tenant": tenant, "role": role, "platform": platform, "groups": group or [],
                "rpm": rpm, "tpm": tpm, "models": _names(models), "agents": _names(agents),
                "expires": expires}  # fmt: skip
        created = _remote(server, api_key, "POST", "/v1/admin/keys", body)
        console.print("[bold]API key (shown once, stored hashed):[/]")
        print(created["key"] if isinstance(created, dict) else "")  # noqa: T201 - the one line scripts capture
        return
    settings = _settings(config)
    chosen = next((r for r in ROLES if r == role), None)
    if chosen is None:
        console.print(f"[red]error:[/] role {role!r} is not one of {list(ROLES)}", highlight=False)
        raise typer.Exit(1)
    try:
        expires_at = parse_expiry(expires, datetime.now(UTC)) if expires else None
    except InvalidRequestError as e:
        console.print(f"[red]error:[/] {e.message}", highlight=False)
        raise typer.Exit(1) from e
    controls = KeyControls(expires_at, Limits(rpm, tpm), _names(models), _names(agents))

    async def run() -> str:
        async with open_store(settings) as store:
            keys = KeyManager(store, audit=SqlAuditLog(store.engine, signer_for(settings)), actor="cli")
            scope: KeyScope = "platform" if platform else "tenant"
            created = await keys.create(
                name, tenant_id=tenant, role=chosen, groups=group or (), scope=scope, controls=controls
            )
            return created.secret

    secret = _run(run)
    console.print("[bold]API key (shown once, stored hashed):[/]")
    print(secret)  # noqa: T201 - the one line scripts capture


def _controls(i: ApiKeyInfo) -> str:
    """A key's groups, rate limits, models, agents and expiry, those that are set, on one line."""
    named = {"groups": ",".join(i.groups) or None, "rpm": i.limits.rpm, "tpm": i.limits.tpm,
             "models": ",".join(i.models) if i.models is not None else None,
             "agents": ",".join(i.agents) if i.agents is not None else None,
             "expires": i.expires_at.isoformat(timespec="minutes") if i.expires_at else None}  # fmt: skip
    return " ".join(f"{k}={v}" for k, v in named.items() if v is not None) or "-"


def _row(i: ApiKeyInfo, now: datetime) -> tuple[str, ...]:
    status = "revoked" if i.revoked_at else "expired" if i.expired(now) else "active"
    created = i.created_at.isoformat(timespec="seconds")
    return i.key_id, i.name, i.tenant_id, i.role, i.scope, _controls(i), created, status


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    server: ServerOption = None,
    api_key: ApiKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """List keys (ids and metadata; secrets are never stored)."""
    from socle.governance.keys import KeyManager
    from socle.wiring.store import open_store

    if server is not None:
        listed = _remote(server, api_key, "GET", "/v1/admin/keys" + (f"?tenant={tenant}" if tenant else ""))
        console.print_json(data=listed)
        return
    settings = _settings(config)

    async def run() -> list[ApiKeyInfo]:
        async with open_store(settings) as store:
            return await KeyManager(store).list(tenant_id=tenant)

    table = Table("id", "name", "tenant", "role", "scope", "controls", "created", "status")
    for column in (0, 3, 4):
        table.columns[column].no_wrap = True
    now = datetime.now(UTC)
    for info in _run(run):
        table.add_row(*_row(info, now))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id shown by `socle keys list`.")],
    server: ServerOption = None,
    api_key: ApiKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """Revoke a key. Servers stop accepting it within auth.key_cache_ttl_s (at once with Redis)."""
    from socle.governance.audit import SqlAuditLog
    from socle.governance.audit_keys import signer_for
    from socle.governance.keys import KeyManager
    from socle.wiring.store import key_cache, open_store

    if server is not None:
        _remote(server, api_key, "DELETE", f"/v1/admin/keys/{key_id}")
        console.print(f"key {key_id} revoked")
        return
    settings = _settings(config)

    async def run() -> None:
        async with open_store(settings) as store:
            audit = SqlAuditLog(store.engine, signer_for(settings))
            keys = KeyManager(store, key_cache(settings), audit=audit, actor="cli")
            await keys.revoke(key_id)

    _run(run)
    console.print(f"key {key_id} revoked")
