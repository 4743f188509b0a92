"""Governance: API keys and principals, the request log, the hash-chained audit log, budgets, eval runs."""

from socle.governance.base import ApiKeyInfo, KeyCache, KeyStore, Principal, RequestLog, RequestRecord
from socle.governance.keys import CreatedKey, KeyManager

__all__ = [
    "ApiKeyInfo",
    "CreatedKey",
    "KeyCache",
    "KeyManager",
    "KeyStore",
    "Principal",
    "RequestLog",
    "RequestRecord",
]
