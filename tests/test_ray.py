"""The Ray engine on a real local Ray cluster bound to loopback: the fake backend for the corpus mechanics,
a killed driver, the API key's path, and one run of the real model checked against the local runner."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

ray = pytest.importorskip("ray", reason="the ray extra is not installed")

import pyarrow.parquet as pq  # noqa: E402

from summarizer import ArticleSummary, Settings  # noqa: E402
from summarizer.ray import connect, run_corpus, summarize_dataset  # noqa: E402
from summarizer.ray._cluster import LOOPBACK_ENVIRONMENT  # noqa: E402
from summarizer.testing import SummaryBackendFactory  # noqa: E402

from .conftest import ARTICLE, summary_dict  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "evals-dev"
SHARD = re.compile(r"summaries-0001-\d{6}\.shard\.parquet")
# Every test here has a deadline: a Ray job that cannot be scheduled waits forever without one.
pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]


def _loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _ray_sockets() -> list[tuple[str, str, str, str]]:
    """(process, local address, remote address, status) of every inet socket of this process's descendants."""
    found = []
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            for conn in process.net_connections(kind="inet"):
                remote = conn.raddr.ip if conn.raddr else ""
                found.append((process.name(), conn.laddr.ip, remote, conn.status))
    return found


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """The product's own private Ray instance, 4 logical CPUs: a 1-CPU actor pool, reads and writes,
    and Ray's checkpoint filter each get one, so no stage waits forever for another's CPU."""
    started = connect(None, num_cpus=4)
    assert started, "another Ray instance was already running in the test process"
    yield
    ray.shutdown()


def _feed(path: Path, rows: int, *, bad: bool = True) -> list[str]:
    """A JSONL feed of ``rows`` rows; with ``bad``, row 5 has an empty text and row 7's id repeats at the end."""
    ids = []
    with path.open("w", encoding="utf-8") as handle:
        for n in range(rows - 1 if bad else rows):
            text = "" if bad and n == 5 else f"{ARTICLE} Dispatch {n}."
            handle.write(json.dumps({"id": f"a{n:03d}", "text": text, "url": f"https://example.org/{n}"}) + "\n")
            ids.append(f"a{n:03d}")
        if bad:
            handle.write(json.dumps({"id": "a007", "text": f"{ARTICLE} Again."}) + "\n")
    return ids


def _rows(out: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shard in sorted(out.glob("summaries-*.parquet")):
        rows.extend(pq.read_table(shard).to_pylist())
    return rows


def _committed(out: Path) -> list[Any]:
    files = [f for f in (out / "_checkpoint").glob("*.parquet") if not f.name.endswith(".pending.parquet")]
    return [value for f in files for value in pq.read_table(f).column("id").to_pylist()]


def _settings(**values: Any) -> Settings:
    return Settings(strategy="focused", model="qwen2.5-coder-1.5b", **values)


def test_the_private_cluster_listens_and_connects_on_loopback_only(cluster: None) -> None:
    seen: list[tuple[str, str, str, str]] = []
    stop = threading.Event()

    def watch() -> None:  # sockets come and go while actors start: sample throughout the job
        while not stop.is_set():
            seen.extend(_ray_sockets())
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        rows = ray.data.from_items([{"id": f"a{n}", "text": f"{ARTICLE} Dispatch {n}."} for n in range(8)])
        factory = SummaryBackendFactory(summary_dict())
        results = summarize_dataset(rows, settings=_settings(), backend_factory=factory, cpus_per_actor=1).take_all()
    finally:
        stop.set()
        watcher.join()
    assert len(results) == 8
    assert all(row["error"] is None for row in results)
    listening = [s for s in seen if s[3] == psutil.CONN_LISTEN]
    assert len({s[0] for s in listening}) >= 2, f"expected Ray's servers among the sockets seen: {set(seen)}"
    outside = {s for s in seen if not _loopback(s[1]) or (s[2] and not _loopback(s[2]))}
    assert not outside, f"Ray used a non-loopback address: {outside}"


def test_another_process_without_the_private_token_cannot_submit_work(cluster: None) -> None:
    """The API key travels in the private instance's runtime environments: a second process on this machine
    (the same user even, without the instance's own token) must not be able to run a task on it."""
    address = ray.get_runtime_context().gcs_address
    intruder = textwrap.dedent(
        f"""
        import ray
        from ray._private import ray_constants
        ray_constants.ENABLE_RAY_CLUSTER = False
        ray.init(address="{address}", logging_level="ERROR", log_to_driver=False)
        print("ran", ray.get(ray.remote(lambda: 1 + 1).remote(), timeout=60))
        """
    )
    # Everything this process has but the token: the loopback settings keep the intruder on 127.0.0.1 as
    # well, and token mode makes it present Ray's default token file (~/.ray/auth_token, 0644), which is
    # what a token-authenticated local instance uses unless it is given a token of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")} | LOOPBACK_ENVIRONMENT
    env["RAY_AUTH_MODE"] = "token"
    done = subprocess.run(
        [sys.executable, "-c", intruder], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0, done.stdout
    assert "ran 2" not in done.stdout
    assert "AuthenticationError" in done.stderr or "InvalidAuthToken" in done.stderr, done.stderr[-2000:]
    default_file = Path.home() / ".ray" / "auth_token"
    assert not default_file.exists() or os.environ["RAY_AUTH_TOKEN"] not in default_file.read_text()
    # The product's own driver still runs work on it.
    assert ray.get(ray.remote(lambda: 1 + 1).remote(), timeout=60) == 2


def test_200_rows_every_id_once_errors_as_rows_and_a_rerun_skips_all(cluster: None, tmp_path: Path) -> None:
    feed, out = tmp_path / "feed.jsonl", tmp_path / "out"
    ids = _feed(feed, 200)
    factory = SummaryBackendFactory(summary_dict())
    run: dict[str, Any] = {
        "settings": _settings(),
        "backend_factory": factory,
        "cpus_per_actor": 1,
        "batch_size": 16,
        "rows_per_shard": 16,
    }

    tally = run_corpus([feed], out, progress=False, **run)

    rows = _rows(out)
    assert sorted(row["id"] for row in rows) == sorted(ids), "every id exactly once"
    by_id = {row["id"]: row for row in rows}
    assert by_id["a005"]["error"]["kind"] == "ArticleError"
    assert "empty" in by_id["a005"]["error"]["message"]
    assert by_id["a007"]["error"]["kind"] == "ArticleError"
    assert "duplicate id" in by_id["a007"]["error"]["message"]
    good = [row for row in rows if row["id"] not in ("a005", "a007")]
    assert all(row["error"] is None for row in good)
    ArticleSummary.model_validate_json(good[0]["summary"])
    assert by_id["a042"]["url"] == "https://example.org/42"
    assert by_id["a042"]["source"] == str(feed.resolve())
    assert json.loads(by_id["a042"]["meta"])["strategy"] == "focused"
    assert (tally.rows, tally.summarized, tally.failed, tally.skipped, tally.duplicate_ids) == (200, 197, 1, 0, 1)
    shards = sorted(p.name for p in out.glob("summaries-*.parquet"))
    assert "summaries-duplicates.parquet" in shards
    assert all(SHARD.fullmatch(name) for name in shards if name != "summaries-duplicates.parquet"), shards
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("summaries-0*")}

    again = run_corpus([feed], out, progress=False, **run)

    assert (again.summarized, again.cached, again.failed, again.skipped, again.run) == (0, 0, 0, 198, 0)
    assert again.kept_failed == 1, "the rerun says that the empty article's error row is still there"
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("summaries-0*")} == before, "no shard added or rewritten"
    assert sorted(row["id"] for row in _rows(out)) == sorted(ids)


def test_jsonl_shards_hold_the_local_runners_record_shape(cluster: None, tmp_path: Path) -> None:
    feed, out = tmp_path / "feed.jsonl", tmp_path / "out"
    _feed(feed, 6, bad=False)
    factory = SummaryBackendFactory(summary_dict())
    run_corpus(
        [feed],
        out,
        settings=_settings(),
        backend_factory=factory,
        cpus_per_actor=1,
        shard_format="jsonl",
        progress=False,
    )
    records = [
        json.loads(line)
        for shard in sorted(out.glob("summaries-0001-*.jsonl"))
        for line in shard.read_text().splitlines()
    ]
    assert sorted(r["id"] for r in records) == [f"a{n:03d}" for n in range(6)]
    assert all(isinstance(r["summary"], dict) and "error" not in r for r in records)
    ArticleSummary.model_validate(records[0]["summary"])


def test_the_api_key_reaches_actors_through_the_runtime_env_and_nowhere_else(cluster: None, tmp_path: Path) -> None:
    secret = "sk-test-" + os.urandom(8).hex()
    feed, out = tmp_path / "feed.jsonl", tmp_path / "out"
    _feed(feed, 4, bad=False)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    factory = SummaryBackendFactory(summary_dict(), require_env=("SUMMARIZER_API_KEY", digest))
    tally = run_corpus(
        [feed], out, settings=_settings(api_key=secret), backend_factory=factory, cpus_per_actor=1, progress=False
    )
    assert (tally.summarized, tally.failed) == (4, 0), tally.failures
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written
    assert not [p for p in written if secret.encode() in p.read_bytes()], "the API key is in the output"
    recent = [d for d in Path("/tmp/ray").glob("session_2*/logs") if time.time() - d.stat().st_mtime < 3600]
    assert recent, "no Ray session logs found to search"
    leaked = [p for d in recent for p in d.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert not leaked, f"the API key is in Ray's logs: {leaked}"


def test_a_missing_id_or_another_format_is_one_clear_error(cluster: None, tmp_path: Path) -> None:
    from summarizer import ArticleError

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n" + json.dumps({"text": ARTICLE}) + "\n")
    with pytest.raises(ArticleError, match="1 input row\\(s\\) have no 'id'"):
        run_corpus(
            [feed], tmp_path / "out", settings=_settings(), backend_factory=SummaryBackendFactory(summary_dict())
        )
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text(ARTICLE)
    with pytest.raises(ArticleError, match="--engine local"):
        run_corpus([tmp_path / "news"], tmp_path / "out", settings=_settings())


_DRIVER = textwrap.dedent(
    """
    import json, sys
    from summarizer import Settings
    from summarizer.ray import run_corpus
    from summarizer.testing import SummaryBackendFactory
    summary = json.loads(open(sys.argv[3]).read())
    run_corpus([sys.argv[1]], sys.argv[2], settings=Settings(strategy="focused", model="qwen2.5-coder-1.5b"),
               backend_factory=SummaryBackendFactory(summary, delay=0.02), cpus_per_actor=1, batch_size=8,
               rows_per_shard=8, progress=False)
    """
)


def test_a_driver_killed_midway_loses_nothing_and_duplicates_nothing(cluster: None, tmp_path: Path) -> None:
    feed, out, summary = tmp_path / "feed.jsonl", tmp_path / "out", tmp_path / "summary.json"
    ids = _feed(feed, 200, bad=False)
    summary.write_text(json.dumps(summary_dict()))
    driver = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(feed), str(out), str(summary)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(out.glob("summaries-0001-*.parquet"))) < 2:
            assert driver.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.2)
        assert len(list(out.glob("summaries-0001-*.parquet"))) >= 2, "no shard was written in 120 s"
        family = psutil.Process(driver.pid).children(recursive=True)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=30)
        # The orphaned cluster notices its driver is gone and exits; whatever is left after 20 s is killed.
        _, alive = psutil.wait_procs(family, timeout=20)
        for process in alive:
            with contextlib.suppress(psutil.Error):
                process.kill()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)
    # What the killed run committed: Ray's checkpoint, not the shards (one may be half written).
    first = set(_committed(out))
    assert 0 < len(first) < 200, "the kill should land midway"

    tally = run_corpus(
        [feed],
        out,
        settings=_settings(),
        backend_factory=SummaryBackendFactory(summary_dict()),
        cpus_per_actor=1,
        batch_size=8,
        rows_per_shard=8,
        progress=False,
    )

    for shard in out.glob("summaries-*.parquet"):
        pq.read_metadata(shard)  # every shard left is whole
    assert not list((out / "_checkpoint").glob("*.pending.parquet")), "an uncommitted write was left behind"
    written = [row["id"] for row in _rows(out)]
    assert sorted(written) == sorted(ids), "every id exactly once after the rerun"
    assert tally.skipped == len(first), "exactly the committed ids are skipped"
    assert tally.summarized == 200 - len(first)


@pytest.mark.model
@pytest.mark.timeout(900)
@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/evals-dev is not beside the project")
def test_the_real_model_on_one_actor_gives_the_local_runners_summaries(tmp_path: Path) -> None:
    articles = sorted(DEV.glob("*.txt"), key=lambda p: p.stat().st_size)[:3]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}) + "\n" for p in articles))
    summarize = [str(Path(sys.executable).parent / "summarize"), "batch", str(feed), "--no-cache"]
    local = subprocess.run([*summarize, "--out", str(tmp_path / "local.jsonl")], capture_output=True, text=True)
    assert local.returncode == 0, local.stderr
    on_ray = subprocess.run(
        [*summarize, "--engine", "ray", "--actors", "1", "--out", str(tmp_path / "ray")], capture_output=True, text=True
    )
    assert on_ray.returncode == 0, on_ray.stderr
    assert on_ray.stderr.strip().splitlines()[-1] == "batch: 3 summarized, 0 from cache, 0 failed"
    expected = {r["id"]: r["summary"] for r in map(json.loads, (tmp_path / "local.jsonl").read_text().splitlines())}
    got = {row["id"]: json.loads(row["summary"]) for row in _rows(tmp_path / "ray")}
    assert got == expected


def _summarize(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "summarize"), "batch", *args], capture_output=True, text=True, timeout=240
    )


def test_the_cli_names_an_unreadable_feed_or_an_unreachable_cluster_in_one_line(tmp_path: Path) -> None:
    broken, mixed = tmp_path / "broken.jsonl", tmp_path / "mixed.jsonl"
    broken.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n" + '{"id": "b", "text": \n', encoding="utf-8")
    # Every line is JSON, but the ids change type: Ray's reader fails on this too.
    mixed.write_text("".join(json.dumps({"id": i, "text": ARTICLE}) + "\n" for i in (1, "b")), encoding="utf-8")
    for feed in (broken, mixed):
        result = _summarize(str(feed), "--engine", "ray", "--out", str(tmp_path / "out"))
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"summarize: error: {feed.name}: Ray's JSON reader failed (")
        assert "--engine local names each bad line" in lines[0]
        assert not (tmp_path / "out").exists(), "a refused run leaves no output folder"
    result = _summarize(str(mixed), "--engine", "ray", "--address", "127.0.0.1:1", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().startswith("summarize: error: cannot reach the Ray cluster at 127.0.0.1:1: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_duplicate_fixed_in_the_input_is_summarized_by_the_rerun_and_listed_once(
    cluster: None, tmp_path: Path
) -> None:
    feed, out = tmp_path / "feed.jsonl", tmp_path / "out"
    lines = [json.dumps({"id": i, "text": f"{ARTICLE} {i}."}) for i in ("a", "b", "b", "c")]
    feed.write_text("\n".join(lines) + "\n")
    run: dict[str, Any] = {"settings": _settings(), "backend_factory": SummaryBackendFactory(summary_dict())}
    first = run_corpus([feed], out, cpus_per_actor=1, progress=False, **run)
    assert (first.summarized, first.duplicate_ids) == (2, 1)
    assert [r["id"] for r in _rows(out)].count("b") == 1

    feed.write_text("\n".join([*lines[:2], lines[3], json.dumps({"id": "a", "text": ARTICLE})]) + "\n")
    second = run_corpus([feed], out, cpus_per_actor=1, progress=False, **run)

    assert (second.summarized, second.duplicate_ids, second.skipped) == (1, 0, 3), "a again: committed, not a duplicate"
    assert not (out / "summaries-duplicates.parquet").exists()
    rows = _rows(out)
    assert sorted(r["id"] for r in rows) == ["a", "b", "c"]
    assert all(r["error"] is None for r in rows)


def test_ids_of_another_type_or_a_pool_too_big_for_the_cluster_are_refused_before_any_work(
    cluster: None, tmp_path: Path
) -> None:
    from summarizer import ArticleError, ConfigurationError

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": 1.5, "text": ARTICLE}) + "\n")
    factory = SummaryBackendFactory(summary_dict())
    with pytest.raises(ArticleError, match="needs string or integer ids"):
        run_corpus([feed], tmp_path / "out", settings=_settings(), backend_factory=factory, cpus_per_actor=1)
    with pytest.raises(ConfigurationError, match="the Ray cluster has 4 CPUs"):
        run_corpus([feed], tmp_path / "out", settings=_settings(), backend_factory=factory, actors=3, cpus_per_actor=1)
    assert not list((tmp_path / "out").glob("summaries-*"))


def test_a_ray_rerun_that_keeps_earlier_error_rows_says_so_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint skips an id whose row is an error: the rerun must not read as a complete corpus."""
    from typer.testing import CliRunner

    import summarizer.ray
    from summarizer.cli import app
    from summarizer.ray import CorpusTally

    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n", encoding="utf-8")
    tallies = [CorpusTally(rows=3, skipped=3), CorpusTally(rows=3, skipped=3, kept_failed=2)]
    monkeypatch.setattr(summarizer.ray, "run_corpus", lambda *args, **kwargs: tallies.pop(0))
    args = ["batch", str(feed), "--engine", "ray", "--out", str(tmp_path / "out"), "--no-cache"]

    complete = CliRunner().invoke(app, args)
    kept = CliRunner().invoke(app, args)

    assert complete.exit_code == 0, complete.output
    assert kept.exit_code == 1, kept.output
    assert "2 error row(s) of earlier runs kept in" in kept.output
