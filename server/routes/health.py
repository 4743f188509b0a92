"""/healthz (the process is up) and /readyz (it can serve: database and models reachable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from socle.server.deps import Deps, get_deps

router = APIRouter()


@router.get("/healthz", name="health.live")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", name="health.ready")
async def readyz(deps: Annotated[Deps, Depends(get_deps)]) -> JSONResponse:
    """Readiness: 200 when the database and a deployment of every model answer, else 503."""
    checks = {name: await check() for name, check in deps.ready_checks.items()}
    failing = {name: reason for name, reason in checks.items() if reason is not None}
    body = {
        "status": "ready" if not failing else "not ready",
        "checks": {n: r or "ok" for n, r in checks.items()},
    }
    return JSONResponse(body, status_code=200 if not failing else 503)
