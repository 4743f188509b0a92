"""Governance: API keys and principals, the request log, and (to come) audit, registry, budgets."""

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
