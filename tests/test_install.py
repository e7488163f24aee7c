"""The built wheel carries prompts and schemas and runs from outside the repository."""

import json
import subprocess
import sys
import venv
import zipfile

import pytest

from summarizer._resources import data_dir
from summarizer.pipeline import STRATEGIES
from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.install


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(ROOT)],
        check=True,
        timeout=600,
    )
    (path,) = dist.glob("summarizer-*.whl")
    return path


def test_wheel_contains_prompts_and_schemas(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("prompts", "schemas"):
        for path in data_dir(kind).iterdir():
            assert f"summarizer/{kind}/{path.name}" in names


@pytest.mark.model
def test_installed_wheel_summarizes_from_outside_the_repo(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # Everything from the registry (pip's cache): the engine is a prebuilt wheel, nothing is compiled.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, timeout=1200)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    article = outside / "article.txt"
    article.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    summarize = env_dir / "bin" / "summarize"
    proc = subprocess.run(
        [str(summarize), "article.txt", "--meta"], cwd=outside, capture_output=True, timeout=900, check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    document = json.loads(proc.stdout)
    assert document.pop("meta")["prompt_version"] == STRATEGIES["focused"].prompt_version
    assert set(document) >= {"summary", "parties", "participants", "mediators", "topics", "disputed_claims"}
    schema = subprocess.run([str(summarize), "schema"], cwd=outside, capture_output=True, check=True)
    assert json.loads(schema.stdout)["title"] == "ArticleSummary"
    located = subprocess.run(
        [str(python), "-c", "import summarizer._resources as r; print(r.data_dir('prompts'))"],
        cwd=outside,
        capture_output=True,
        check=True,
        text=True,
    )
    assert str(env_dir) in located.stdout
