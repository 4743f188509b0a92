"""SQLAlchemy Core tables. Changing them means adding an Alembic revision under migrations/versions."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("tenant_id", String(200), nullable=False, index=True),
    Column("role", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("groups", Text, nullable=False, server_default="[]"),
    Column("scope", String(20), nullable=False, server_default="tenant"),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("rpm", Integer, nullable=True),
    Column("tpm", Integer, nullable=True),
    Column("models", Text, nullable=True),
    Column("agents", Text, nullable=True),
)

request_log = Table(
    "request_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(32), nullable=True),
    Column("tenant_id", String(200), nullable=True),
    Column("endpoint", String(100), nullable=False),
    Column("model", String(200), nullable=True),
    Column("deployment", String(200), nullable=True),
    Column("prompt_tokens", Integer, nullable=False, default=0),
    Column("completion_tokens", Integer, nullable=False, default=0),
    Column("cost_usd", Float, nullable=False, default=0.0),
    Column("latency_ms", Float, nullable=False, default=0.0),
    Column("status", Integer, nullable=False),
    Column("error_code", String(64), nullable=True),
    Column("stream", Boolean, nullable=False, default=False),
    Column("prompt_text", Text, nullable=True),
    Column("completion_text", Text, nullable=True),
    Column("guardrails", Text, nullable=True),
    Column("grounding", String(16), nullable=True),
    Column("removed_claims", Integer, nullable=True),
    Column("data_classes", String(64), nullable=True),
    Column("location", String(64), nullable=True),
    Column("residency", String(16), nullable=True),
    Index("ix_request_log_tenant_created", "tenant_id", "created_at"),
    Index("ix_request_log_created", "created_at"),
    Index("ix_request_log_request_id", "request_id"),
    Index("ix_request_log_key_created", "key_id", "created_at"),
)

# Hourly sums of the request log per tenant and dimension value (governance/_rollup.py).
request_rollup = Table(
    "request_rollup",
    metadata,
    Column("hour", String(13), primary_key=True),
    Column("tenant_id", String(200), primary_key=True),
    Column("dimension", String(16), primary_key=True),
    Column("value", String(400), primary_key=True),
    Column("requests", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("prompt_tokens", BigInteger, nullable=False),
    Column("completion_tokens", BigInteger, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("removed_claims", Integer, nullable=False),
)

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("suite", String(100), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("git_revision", String(64), nullable=True),
    Column("config_hash", String(64), nullable=False),
    Column("model_versions", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("passed", Boolean, nullable=True),
    Column("who", String(200), nullable=False),
    Column("target", String(500), nullable=False),
    Column("options", Text, nullable=False, server_default="{}"),
    Index("ix_eval_runs_suite_started", "suite", "started_at"),
)

budgets = Table(
    "budgets",
    metadata,
    Column("scope_kind", String(10), primary_key=True),
    Column("scope_id", String(200), primary_key=True),
    Column("limit_usd", Float, nullable=False),
    Column("period", String(10), nullable=False),
    Column("window_key", String(10), nullable=False, server_default=""),
    Column("spent_usd", Float, nullable=False, server_default="0"),
    Column("reserved_usd", Float, nullable=False, server_default="0"),
)

budget_reservations = Table(
    "budget_reservations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("scopes", Text, nullable=False),
    Column("amount_usd", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("action", String(100), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("tenant_id", String(200), nullable=True),
    Column("target", String(500), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("scheme", Integer, nullable=False, server_default="1"),
    Column("key_id", String(16), nullable=True),
    Column("signature", String(100), nullable=True),
)

model_promotions = Table(
    "model_promotions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model", String(200), nullable=False, index=True),
    Column("stage", String(20), nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
)

model_cards = Table(
    "model_cards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model", String(200), nullable=False, index=True),
    Column("card", Text, nullable=False),  # JSON: intended_use, data, evaluation, limits
    Column("by", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

config_versions = Table(
    "config_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),  # model, prompt, agent, guardrail-policy
    Column("name", String(200), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_config_versions_kind_name", "kind", "name"),
)

pseudonym_vault = Table(
    "pseudonym_vault",
    metadata,
    Column("name", String(64), primary_key=True),  # SHA-256 of the conversation scope, never an id
    Column("blob", LargeBinary, nullable=False),  # AES-GCM ciphertext: the vault holds no plaintext
    Column("expires_at", Float, nullable=False, index=True),  # epoch seconds
)

# Canary rollouts (governance/canary.py): the state every replica routes and judges by.
canaries = Table(
    "canaries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("candidate", String(200), nullable=False),
    Column("production", String(200), nullable=False, index=True),
    Column("share", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("by", String(200), nullable=False),
    Column("looks", Integer, nullable=False, server_default="0"),
    Column("alpha_spent", Float, nullable=False, server_default="0"),
    Column("comparison", Text, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("reason", Text, nullable=False, server_default=""),
)

# Drift samples: one number (a retrieval's best score) or one folded prompt embedding, never text.
drift_samples = Table(
    "drift_samples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("signal", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("value", Float, nullable=True),
    Column("vector", Text, nullable=True),
    Index("ix_drift_samples_signal_created", "signal", "created_at"),
)

# The latest evaluation of each drift signal, shared by the replicas (governance/drift.py).
drift_signals = Table(
    "drift_signals",
    metadata,
    Column("signal", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("value", Float, nullable=True),
    Column("threshold", Float, nullable=False),
    Column("reference_n", Integer, nullable=False),
    Column("current_n", Integer, nullable=False),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    Column("alerted_at", DateTime(timezone=True), nullable=True),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_digest", String(64), primary_key=True),  # SHA-256 of the cookie's session id
    Column("key_digest", String(64), nullable=False),  # SHA-256 of the key (as api_keys.secret_hash)
    Column("key_id", String(32), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", Float, nullable=False, index=True),  # epoch seconds
)

# The pseudonym vault's index by data subject (governance/subject_index.py): which conversations'
# mappings hold a value, by a keyed hash of the value, so erasure finds them without decrypting.
pseudonym_subjects = Table(
    "pseudonym_subjects",
    metadata,
    Column("subject", String(64), primary_key=True),  # HMAC-SHA256 of the value, never the value
    Column("name", String(64), primary_key=True),  # the vault name of the conversation's mapping
    Column("tenant_id", String(200), nullable=False),
)
