"""`socle audit verify | anchor | public-key`: check the audit log, anchor it, and share its key.

Whose signatures count: the keys of `--public-key` files when given (an auditor who trusts only the
key they were handed), else the configured signing key (`storage.audit_key_file`), else the key of
the `--anchor` file (trusted as far as the place it was kept). `verify` never creates a key.

Exit codes: 0 the log is intact; 1 a record is broken or missing, or an input could not be used (an
anchor or public key file that is unreadable, altered or forged, a database that does not answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import anyio
from rich.markup import escape

from socle.errors import InvalidRequestError
from socle.governance.audit import ChainCheck, SqlAuditLog, SqlAuditReader, now, seal_unsigned, verify
from socle.governance.audit_anchor import Anchor, dumps_anchor, loads_anchor, make_anchor
from socle.governance.audit_keys import AuditPublicKey, Keyring, key_file, keyring, load_signer, signer_for
from socle.settings import Settings
from socle.wiring.store import open_store


@dataclass(frozen=True, slots=True)
class VerifyRequest:
    """What to check the log against: an anchor it must still extend, and the trusted keys."""

    anchor: Path | None = None
    public_keys: Sequence[Path] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What `verify` found, against which anchor, trusting which keys."""

    check: ChainCheck
    anchor: Anchor | None
    keys: tuple[str, ...]


async def _read(path: Path, what: str) -> bytes:
    try:
        return await anyio.Path(path).read_bytes()
    except OSError as e:
        raise InvalidRequestError(f"cannot read the {what} {str(path)!r}: {e.strerror}") from e


async def read_anchor(path: Path) -> Anchor:
    """The anchor in `path`, its signature checked. Raises `InvalidRequestError` saying why not."""
    try:
        return loads_anchor((await _read(path, "anchor file")).decode("utf-8", "replace"))
    except ValueError as e:
        raise InvalidRequestError(f"the anchor file {str(path)!r} is not valid: {e}", param="anchor") from e


async def read_public_key(path: Path) -> AuditPublicKey:
    """The public key in the PEM file `path`. Raises `InvalidRequestError`."""
    try:
        return AuditPublicKey.from_pem(await _read(path, "public key file"))
    except ValueError as e:
        raise InvalidRequestError(f"{str(path)!r}: {e}", param="public_key") from e


async def trusted_keys(settings: Settings, request: VerifyRequest, anchor: Anchor | None) -> Keyring:
    """The keys whose signatures count (see the module's docstring)."""
    if request.public_keys:
        keys = [await read_public_key(path) for path in request.public_keys]
    elif await anyio.Path(key_file(settings)).exists():
        keys = [load_signer(key_file(settings)).public_key]
    else:
        keys = [anchor.public_key] if anchor is not None else []
    return keyring(keys)


def _check_anchor_key(anchor: Anchor | None, keys: Keyring) -> None:
    if anchor is not None and anchor.key_id not in keys:
        raise InvalidRequestError(
            f"the anchor is signed by key {anchor.key_id!r}, which is not a trusted key", param="anchor"
        )


async def verify_log(settings: Settings, request: VerifyRequest) -> Verdict:
    """Verify the configured audit log, against `request.anchor` if given."""
    anchor = await read_anchor(request.anchor) if request.anchor is not None else None
    keys = await trusted_keys(settings, request, anchor)
    _check_anchor_key(anchor, keys)
    async with open_store(settings) as store:
        check = await verify(SqlAuditReader(store.engine), keys, anchor=anchor.checkpoint if anchor else None)
    return Verdict(check, anchor, tuple(keys))


async def anchor_log(
    settings: Settings, request: VerifyRequest, out: Path | None
) -> tuple[Verdict, Anchor | None]:
    """Verify the log and, if it is intact, sign an anchor of its newest record (to the new file `out`).

    The log must still extend the previous anchor, `request.anchor`, if given; records written
    before signing are sealed first. Returns the verdict, and the anchor if one was made. Raises
    `InvalidRequestError` if `out` exists or the log is empty.
    """
    if out is not None and await anyio.Path(out).exists():
        raise InvalidRequestError(f"{str(out)!r} already exists: anchors are never overwritten", param="out")
    previous = await read_anchor(request.anchor) if request.anchor is not None else None
    signer = signer_for(settings)
    keys = {**await trusted_keys(settings, request, None), signer.key_id: signer.public_key}
    _check_anchor_key(previous, keys)
    async with open_store(settings) as store:
        log = SqlAuditLog(store.engine, signer)
        await seal_unsigned(log)
        check = await verify(log, keys, anchor=previous.checkpoint if previous else None)
    verdict = Verdict(check, previous, tuple(keys))
    if not check.intact:
        return verdict, None
    if check.records == 0:
        raise InvalidRequestError("the audit log is empty: there is nothing to anchor yet")
    anchor = make_anchor(check, signer, at=now())
    if out is not None:
        try:
            async with await anyio.Path(out).open("x") as file:
                await file.write(dumps_anchor(anchor))
        except OSError as e:
            raise InvalidRequestError(f"cannot write {str(out)!r}: {e.strerror}", param="out") from e
    return verdict, anchor


async def public_key(settings: Settings) -> str:
    """The PEM public key of the configured signing key, created if there is none yet."""
    return signer_for(settings).public_key.pem()


def report(verdict: Verdict) -> list[str]:
    """What `socle audit verify` prints (rich markup; every value from the database escaped)."""
    check, anchor = verdict.check, verdict.anchor
    if not check.intact:
        return [
            f"[red]audit log broken at record {check.broken_at}:[/] {escape(check.reason)} "
            f"({check.records} sound before it)"
        ]
    lines = [f"[green]audit log intact:[/] {check.records} records"]
    if check.records > check.legacy:
        lines.append(f"signatures checked with key {', '.join(verdict.keys)}")
    if check.legacy:
        lines.append(f"{check.legacy} records from before signing are sealed by the signed ones after them")
    if anchor is not None:
        point = anchor.checkpoint
        lines.append(f"it extends the anchor of {escape(point.at)} ({point.records} records)")
    else:
        lines.append(
            "[yellow]note:[/] without --anchor, deleting the newest records (or all of them) cannot be seen"
        )
    return lines
