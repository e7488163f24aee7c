"""Corpus runs: inputs, bad records, the result cache, resume after kill -9 and Ctrl-C."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summarizer
from summarizer import Settings, Summarizer
from summarizer._batch import ResultsFile
from summarizer._cache import ResultCache, cache_key
from summarizer._inputs import read_inputs
from summarizer._resources import code_digest, code_files, data_dir, library_versions, tree_digest
from summarizer.cli import app
from summarizer.testing import FunctionBackend, TaskBackend, answer_from_summary, chat_answer_from_summary
from tests.conftest import ARTICLE, ROOT, summary_dict
from tests.fake_server import Reply, ok, serve


def article(n):
    return f"{ARTICLE} Report number {n}."


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def read_records(path):
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "cache-home"
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(home))
    return home


@pytest.fixture
def fake(monkeypatch):
    """The CLI's backend is an instant fake that answers every article with ``summary_dict()``."""
    backend = TaskBackend(answer_from_summary(summary_dict()))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    return backend


def test_inputs_from_folders_and_jsonl_with_bad_records(tmp_path):
    folder = tmp_path / "news"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(article(1), encoding="utf-8")
    (folder / "sub" / "b.md").write_text(article(2), encoding="utf-8")
    (folder / "c.html").write_text(
        f"<html><body><nav>Home | World</nav><article><p>{article(3)}</p></article>"
        "<footer>All rights reserved</footer></body></html>",
        encoding="utf-8",
    )
    (folder / "latin1.txt").write_bytes("Caf\xe9 talks".encode("latin-1"))
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "notes.csv").write_text("ignored", encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"id": "x1", "text": article(4), "url": "https://example.org/x1", "title": "T"})
        + "\n{not json\n\n"
        + json.dumps({"id": "x2", "text": ""})
        + "\n"
        + json.dumps({"id": "x1", "text": article(5)})
        + "\n"
        + json.dumps({"text": "no id"})
        + "\n"
        + json.dumps({"id": 7, "text": article(6)})
        + "\n",
        encoding="utf-8",
    )
    records = list(read_inputs([folder, feed]))
    by_id = {(r.id, r.source): r for r in records}
    assert [r.id for r in records] == [
        "a",
        "c",
        "empty",
        "latin1",
        "sub/b",
        "x1",
        f"{feed}:2",
        "x2",
        "x1",
        f"{feed}:6",
        "7",
    ]
    assert by_id[("c", str(folder / "c.html"))].text == article(3)  # the page's main text only
    assert records[5].extra == {"url": "https://example.org/x1", "title": "T"}
    errors = {r.source: str(r.error) for r in records if r.error}
    assert "empty" in errors[str(folder / "empty.txt")]
    assert "not UTF-8" in errors[str(folder / "latin1.txt")]
    assert "not valid JSON" in errors[f"{feed}:2"]
    assert "empty" in errors[f"{feed}:4"]
    assert "duplicate id 'x1'" in errors[f"{feed}:5"]
    assert "missing or empty 'id'" in errors[f"{feed}:6"]
    assert len(errors) == 6


def test_batch_writes_one_record_per_input_and_fails_on_bad_records(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": article(1)}, {"id": "b", "text": " "}])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 1
    records = {r["id"]: r for r in read_records(out)}  # bad records are written at once, articles as they finish
    assert set(records) == {"a", "b"}
    assert records["a"]["summary"]["parties"][0]["name"] == "Northland"
    assert records["a"]["meta"]["cached"] is False
    assert records["b"]["error"]["kind"] == "ArticleError"
    assert records["b"]["source"] == f"{feed}:2"
    assert "1 summarized, 0 from cache, 1 failed" in result.stderr


def test_a_lone_surrogate_escape_costs_no_record(tmp_path, fake, cache_home):
    # A caption cut in the middle of an emoji's surrogate pair: JSON allows the escape, UTF-8 cannot hold it.
    feed = tmp_path / "in.jsonl"
    feed.write_text(
        json.dumps({"id": "a", "text": article(1)})
        + "\n"
        + '{"id": "b", "title": "Harbour \\ud83d", "text": "Photo: delegates \\ud83c\\udf89 and \\ud83c'
        + " ".join(article(2).split(" ")[:60]).replace('"', "'")
        + '"}\n'
        + json.dumps({"id": "c", "text": article(3)})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in read_records(out)}
    assert set(records) == {"a", "b", "c"}
    assert all("summary" in r for r in records.values())
    assert records["b"]["title"] == "Harbour \ufffd"
    assert "3 summarized, 0 from cache, 0 failed" in result.stderr
    again = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert again.exit_code == 0
    assert "3 skipped" in again.stderr
    assert len(read_records(out)) == 3
    cut = tmp_path / "cut.jsonl"  # a caption cut in the middle of an emoji's UTF-8 bytes
    cut.write_bytes(json.dumps({"id": "d", "text": article(4)}).encode()[:-2] + b' \xf0\x9f\x8e"}\n')
    assert CliRunner().invoke(app, ["batch", str(cut), "--out", str(out)]).exit_code == 0
    assert read_records(out)[-1]["id"] == "d"
    assert "summary" in read_records(out)[-1]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_jsonl_with_a_byte_order_mark_is_read_line_by_line(tmp_path, fake, cache_home, encoding):
    # Windows PowerShell 5's `>` writes UTF-16 LE with a BOM; Notepad may add a UTF-8 BOM.
    lines = "".join(
        json.dumps({"id": f"p{i}", "text": article(i) + " Zoë"}, ensure_ascii=False) + "\r\n" for i in (1, 2)
    )
    feed = tmp_path / "ps.jsonl"
    feed.write_bytes(lines.encode(encoding))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in read_records(out)] == ["p1", "p2"]
    assert [r["source"] for r in read_records(out)] == [f"{feed}:1", f"{feed}:2"]


def test_an_html_page_in_a_legacy_charset_is_decoded_as_declared(tmp_path, fake, cache_home):
    folder = tmp_path / "pages"
    folder.mkdir()
    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'></head><body>"
        "<div id='nav'>Home | Region | Sport</div><div class='story'><h1>Tolls</h1>"
        f"<p>{article(1)} François Lefèvre and Zoë Mäkelä-Núñez spoke – Jürgen Weiß chaired.</p></div>"
        "<div id='footer'>© Courier · Impressum</div></body></html>"
    )
    (folder / "old.html").write_bytes(page.encode("cp1252"))
    out = tmp_path / "out.jsonl"
    captured = []
    original = Summarizer.arun

    async def spy(self, text, **kwargs):
        captured.append(text)
        return await original(self, text, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Summarizer, "arun", spy)
        result = CliRunner().invoke(app, ["batch", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "François Lefèvre and Zoë Mäkelä-Núñez spoke – Jürgen Weiß chaired." in captured[0]
    assert "Impressum" not in captured[0]
    assert "Region" not in captured[0]


def test_an_unexpected_error_on_one_article_becomes_its_error_record(tmp_path, fake, cache_home, monkeypatch):
    original = Summarizer.arun

    async def flaky(self, text, **kwargs):
        if "number 2" in text:
            raise RuntimeError("boom")
        return await original(self, text, **kwargs)

    monkeypatch.setattr(Summarizer, "arun", flaky)
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(1, 4)])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 1
    records = {r["id"]: r for r in read_records(out)}
    assert set(records) == {"n1", "n2", "n3"}
    assert records["n2"]["error"]["kind"] == "InternalError"
    assert "RuntimeError: boom" in records["n2"]["error"]["message"]
    assert "2 summarized, 0 from cache, 1 failed" in result.stderr


def test_a_full_disk_stops_the_run_after_the_first_record_it_cannot_write(tmp_path, fake, cache_home):
    class FullDisk:
        def __init__(self):
            self.writes = 0

        def write(self, data):
            self.writes += 1
            if self.writes > 1:
                raise OSError(28, "No space left on device")

        def flush(self):
            pass

        def close(self):
            raise OSError(28, "No space left on device")

    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(6)])
    original = ResultsFile.__init__

    def on_a_full_disk(self, path):
        original(self, path)
        self._file.close()
        self._file = FullDisk()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ResultsFile, "__init__", on_a_full_disk)
        result = CliRunner().invoke(
            app, ["batch", str(feed), "--out", str(tmp_path / "out.jsonl"), "--concurrency", "1"]
        )
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("summarize: error: --out ")
    assert "cannot write (No space left on device)" in result.stderr
    assert "Traceback" not in result.output
    assert len(fake.tasks) <= 2 * 4  # two articles at most (meeting, disputes, topics and mediator checks), not all six


def test_rerun_skips_what_is_done_and_the_cache_answers_repeats(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(5)])
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)]).exit_code == 0
    calls = len(fake.requests)
    assert calls == 5 * 4  # meeting, disputes, the topics and mediator checks; code quotes every item

    again = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert again.exit_code == 0
    assert "5 skipped" in again.stderr
    assert len(read_records(out)) == 5

    elsewhere = tmp_path / "other.jsonl"
    cached = CliRunner().invoke(app, ["batch", str(feed), "--out", str(elsewhere)])
    assert cached.exit_code == 0
    assert len(fake.requests) == calls  # no model call: every article came from the cache
    assert all(r["meta"]["cached"] for r in read_records(elsewhere))
    assert "0 summarized, 5 from cache" in cached.stderr

    no_cache = CliRunner().invoke(app, ["batch", str(feed), "--out", str(tmp_path / "third.jsonl"), "--no-cache"])
    assert no_cache.exit_code == 0
    assert len(fake.requests) == 2 * calls


def test_a_new_prompt_version_misses_the_cache(tmp_path, fake, cache_home, monkeypatch):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": article(1)}])
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(tmp_path / "1.jsonl")]).exit_code == 0
    calls = len(fake.requests)
    original = Summarizer.result_identity
    monkeypatch.setattr(Summarizer, "result_identity", lambda self: {**original(self), "prompt_version": "next-v9"})
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(tmp_path / "2.jsonl")]).exit_code == 0
    assert len(fake.requests) == 2 * calls


def test_cache_keys_cover_what_shapes_the_answer_and_store_no_secrets(tmp_path):
    settings = Settings(base_url="http://user:hunter2@127.0.0.1:9/v1?token=abc", model="m", api_key="sk-secret")
    identity = Summarizer(FunctionBackend(lambda m, p: {}), settings=settings).result_identity()
    assert "hunter2" not in json.dumps(identity)
    assert "abc" not in json.dumps(identity)
    assert "sk-secret" not in json.dumps(identity)
    base = cache_key("text", identity)
    assert cache_key("text", {**identity, "strategy": "single"}) != base
    assert cache_key("text", {**identity, "options": {**identity["options"], "temperature": 0.5}}) != base
    assert cache_key("text ", identity) != base
    with ResultCache(tmp_path / "c.sqlite3") as cache:
        cache.put(base, {"summary": {}, "meta": {}}, labels={"model": "m"})
        assert cache.get(base) == {"summary": {}, "meta": {}}
        assert cache.info().entries == 1
        assert cache.clear() == 1
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite3*"))
    assert b"hunter2" not in raw
    assert b"sk-secret" not in raw


def test_cache_commands(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": article(1)}])
    CliRunner().invoke(app, ["batch", str(feed), "--out", str(tmp_path / "o.jsonl")])
    info = CliRunner().invoke(app, ["cache", "info"])
    assert info.exit_code == 0
    assert "1 summaries" in info.stdout
    cleared = CliRunner().invoke(app, ["cache", "clear"])
    assert "removed 1" in cleared.stdout
    assert "0 summaries" in CliRunner().invoke(app, ["cache", "info"]).stdout


def test_out_that_is_not_a_batch_file_is_refused(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": article(1)}])
    precious = tmp_path / "notes.txt"
    precious.write_text("my notes\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(precious)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert precious.read_text(encoding="utf-8") == "my notes\n"


# -- a real process, a real (slow) server, real signals ------------------------------------------------


def slow_server(delay):
    answer = chat_answer_from_summary(summary_dict())

    def handler(request):
        return Reply(delay=delay, body=ok(answer(request["messages"], request)).body)

    return serve(handler)


def start_batch(feed, out, base_url, cache_home, *extra):
    command = [sys.executable, "-m", "summarizer", "batch", str(feed), "--out", str(out)]
    command += ["--base-url", base_url, "--model", "fake-model", "--mode", "json_schema", *extra]
    env = {**os.environ, "SUMMARIZER_CACHE_DIR": str(cache_home)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_lines(path, count, process, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} records after {timeout} s")


def test_kill_9_midway_then_rerun_loses_nothing_and_repeats_nothing(tmp_path, cache_home):
    ids = [f"art-{i:02d}" for i in range(50)]
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": article(i)} for i in ids])
    out = tmp_path / "out.jsonl"
    with slow_server(delay=0.03) as server:
        first = start_batch(feed, out, server.base_url, cache_home, "--concurrency", "2")
        wait_for_lines(out, 10, first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        written = out.read_bytes()
        complete = written[: written.rfind(b"\n") + 1]
        assert 10 <= complete.count(b"\n") < 50
        for line in complete.splitlines():
            json.loads(line)

        second = start_batch(feed, out, server.base_url, cache_home, "--concurrency", "2")
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 0, stderr.decode()
    records = read_records(out)
    assert sorted(r["id"] for r in records) == ids
    assert all("summary" in r for r in records)
    assert "skipped" in stderr.decode()


def test_ctrl_c_finishes_in_flight_articles_then_rerun_completes(tmp_path, cache_home):
    ids = [f"art-{i:02d}" for i in range(30)]
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": i, "text": article(i)} for i in ids])
    out = tmp_path / "out.jsonl"
    with slow_server(delay=0.05) as server:
        first = start_batch(feed, out, server.base_url, cache_home, "--concurrency", "2")
        wait_for_lines(out, 5, first)
        first.send_signal(signal.SIGINT)
        _, stderr = first.communicate(timeout=60)
        assert first.returncode == 130
        message = stderr.decode().strip().splitlines()[-1]
        assert "interrupted" in message
        assert "rerun the same command to resume" in message
        done = read_records(out)  # in-flight articles finished: every line complete
        assert 5 <= len(done) < 30

        second = start_batch(feed, out, server.base_url, cache_home)
        second.communicate(timeout=120)
        assert second.returncode == 0
    assert sorted(r["id"] for r in read_records(out)) == ids


def test_ray_only_options_are_refused_with_the_local_engine(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n", encoding="utf-8")
    summarize = str(Path(sys.executable).parent / "summarize")
    args = ["batch", str(feed), "--out", str(tmp_path / "r.jsonl"), "--actors", "2", "--shard-format", "jsonl"]
    result = subprocess.run([summarize, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == "summarize: error: --actors, --shard-format: only with --engine ray"
    assert not (tmp_path / "r.jsonl").exists()


def test_cache_keys_change_with_the_package_code_words_and_prompts(tmp_path):
    identity = Summarizer(FunctionBackend(lambda m, p: {}), settings=Settings()).result_identity()
    assert identity["code"] == code_digest()
    assert identity["libraries"]["xllamacpp"] == library_versions()["xllamacpp"] is not None
    hashed = {path.resolve() for path in code_files()}
    package = Path(summarizer.__file__).resolve().parent
    for shaping in ("pipeline/_repairs.py", "reading/english.toml", "reading/denials.toml", "text/abbreviations.toml"):
        assert package / shaping in hashed
    prompts = sorted(data_dir("prompts").glob("*.txt"))
    assert prompts
    assert all(p.resolve() in hashed for p in prompts)
    tree = tmp_path / "pkg"
    (tree / "summarizer").mkdir(parents=True)
    step, words = tree / "summarizer" / "_repairs.py", tree / "summarizer" / "english.toml"
    step.write_text("def repair(): ...\n")
    words.write_text("deny = ['denied']\n")
    before = tree_digest([step, words], relative_to=tree)
    assert tree_digest([words, step], relative_to=tree) == before  # the listing order does not matter
    step.write_text("def repair(): return None\n")
    assert tree_digest([step, words], relative_to=tree) != before
    step.write_text("def repair(): ...\n")
    assert tree_digest([step, words], relative_to=tree) == before
    # The same bytes under another name are another tree.
    moved = tree / "summarizer" / "_checks.py"
    step.rename(moved)
    assert tree_digest([moved, words], relative_to=tree) != before


# -- faults: every input ends as exactly one record, or the run says so ----------------------------------


def test_a_result_the_cache_cannot_store_is_still_a_record(tmp_path, fake, cache_home, monkeypatch):
    def full_disk(self, key, result, *, labels):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ResultCache, "put", full_disk)
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(5)])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in read_records(out)) == [f"n{i}" for i in range(5)]
    assert all("summary" in r for r in read_records(out))
    assert result.stderr.count("cannot write the result cache") == 1  # said once, then left alone
    assert "database or disk is full" in result.stderr
    assert "5 summarized" in result.stderr


def test_a_damaged_cache_row_is_a_miss_said_once(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(3)])
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(tmp_path / "first.jsonl")]).exit_code == 0
    with sqlite3.connect(cache_home / "results.sqlite3") as db:
        db.execute("UPDATE results SET result = '{not json'")
    out = tmp_path / "second.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(read_records(out)) == 3
    assert result.stderr.count("cannot read the result cache") == 1
    assert "Traceback" not in result.output


def test_a_damaged_cache_file_is_skipped_by_batch_and_cleared_by_its_command(tmp_path, fake, cache_home):
    cache_home.mkdir(parents=True)
    (cache_home / "results.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": article(1)}])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_records(out)] == ["a"]
    assert "going on without it" in result.stderr
    info = CliRunner().invoke(app, ["cache", "info"])
    assert info.exit_code == 2
    assert "summarize cache clear" in info.stderr
    assert "Traceback" not in info.output
    cleared = CliRunner().invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert "damaged" in cleared.stdout
    assert CliRunner().invoke(app, ["cache", "info"]).exit_code == 0


def test_the_cache_is_private_to_its_user(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": article(1)}])
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(tmp_path / "out.jsonl")]).exit_code == 0
    assert (cache_home / "results.sqlite3").stat().st_mode & 0o777 == 0o600
    assert cache_home.stat().st_mode & 0o077 == 0


def test_out_that_is_an_input_or_inside_one_is_refused(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(3)])
    before = feed.read_bytes()
    for out, given in ((feed, feed), (tmp_path / "news" / "out.jsonl", tmp_path / "news")):
        given.mkdir(exist_ok=True) if given.suffix == "" else None
        result = CliRunner().invoke(app, ["batch", str(given), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1
        assert "write the results to another file" in result.stderr
    assert feed.read_bytes() == before
    # The same file under another name (a link) is the same file.
    link = tmp_path / "link.jsonl"
    link.symlink_to(feed)
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(link)]).exit_code == 2
    assert feed.read_bytes() == before


def test_a_whole_last_record_without_its_newline_is_kept_and_a_torn_one_cut(tmp_path, fake, cache_home):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(3)])
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)]).exit_code == 0
    whole = out.read_bytes().rstrip(b"\n")  # three records, the last one without its newline
    out.write_bytes(whole)
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_records(out)] == ["n0", "n1", "n2"]
    assert "3 skipped" in result.stderr
    out.write_bytes(whole[:-10])  # the last record torn mid-line: cut, and written again
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in read_records(out)] == ["n0", "n1", "n2"]


def test_a_line_no_parser_can_read_is_that_lines_record(tmp_path, fake, cache_home):
    feed = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": article(1)}),
        "[" * 100_000 + "]" * 100_000,  # nested past any recursion limit
        '{"id": ' + "7" * 5000 + ', "text": "a number of 5,000 digits"}',
        json.dumps({"id": "ok2", "text": article(2)}),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    records = read_records(out)
    assert len(records) == 4
    errors = {r["id"]: r["error"]["message"] for r in records if "error" in r}
    assert set(errors) == {f"{feed}:2", f"{feed}:3"}
    assert "nested too deeply" in errors[f"{feed}:2"]
    assert "cannot read this line" in errors[f"{feed}:3"]


def test_an_article_over_the_size_limit_is_its_error_record(tmp_path, fake, cache_home, monkeypatch):
    monkeypatch.setenv("SUMMARIZER_MAX_ARTICLE_CHARS", "500")
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": "small", "text": article(1)}, {"id": "huge", "text": "x " * 400}])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out)])
    assert result.exit_code == 1
    records = {r["id"]: r for r in read_records(out)}
    assert "summary" in records["small"]
    assert records["huge"]["error"]["kind"] == "ArticleTooLongError"
    assert "800 characters, more than the limit of 500" in records["huge"]["error"]["message"]


def test_a_rerun_retries_transient_failures_and_leaves_one_record_each(tmp_path, cache_home, retry_waits):
    feed = write_jsonl(tmp_path / "in.jsonl", [{"id": f"n{i}", "text": article(i)} for i in range(3)])
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "empty", "text": ""}])
    out = tmp_path / "out.jsonl"
    answer = chat_answer_from_summary(summary_dict())
    args = ["--base-url", "", "--model", "fake-model", "--mode", "json_schema", "--concurrency", "1"]
    with serve(lambda request: Reply(status=503, body={"error": {"message": "overloaded"}})) as down:
        args[1] = down.base_url
        first = CliRunner().invoke(app, ["batch", str(feed), str(bad), "--out", str(out), *args])
    assert first.exit_code == 1
    assert all(r["error"]["transient"] for r in read_records(out) if r["id"] != "empty")
    with serve(lambda request: ok(answer(request["messages"], request))) as up:
        args[1] = up.base_url
        kept = CliRunner().invoke(app, ["batch", str(feed), str(bad), "--out", str(out), "--no-retry-failed", *args])
        assert kept.exit_code == 1  # error records remain, and the run says so
        assert "4 error record(s) remain" in kept.stderr
        assert up.requests == []
        second = CliRunner().invoke(app, ["batch", str(feed), str(bad), "--out", str(out), *args])
    assert "retrying 3 article(s)" in second.stderr
    records = read_records(out)
    assert sorted(r["id"] for r in records) == ["empty", "n0", "n1", "n2"]  # one record each
    assert all("summary" in r for r in records if r["id"] != "empty")
    assert records[0]["id"] == "empty"  # an input's own fault is not retried: it would fail the same way
    assert second.exit_code == 1  # that one error record remains


def test_results_keep_the_users_umask_and_links_are_followed(tmp_path, fake, cache_home, monkeypatch):
    article_path = tmp_path / "a.txt"
    article_path.write_text(article(1), encoding="utf-8")
    old = os.umask(0o022)
    try:
        out = tmp_path / "out.json"
        assert CliRunner().invoke(app, [str(article_path), "--out", str(out), "-q"]).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
        target = tmp_path / "target.json"
        target.write_text("old", encoding="utf-8")
        target.chmod(0o640)
        link = tmp_path / "link.json"
        link.symlink_to(target)
        assert CliRunner().invoke(app, [str(article_path), "--out", str(link), "-q"]).exit_code == 0
        assert link.is_symlink()
        assert json.loads(target.read_text(encoding="utf-8"))["summary"]
        assert target.stat().st_mode & 0o777 == 0o640  # the mode of the file it replaces
    finally:
        os.umask(old)


def test_out_that_is_a_pipe_is_refused_and_a_failed_write_keeps_the_result(tmp_path, fake, cache_home, monkeypatch):
    article_path = tmp_path / "a.txt"
    article_path.write_text(article(1), encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    refused = CliRunner().invoke(app, [str(article_path), "--out", str(fifo), "-q"])
    assert refused.exit_code == 2
    assert "is not a regular file" in refused.stderr
    import summarizer.cli._run as running

    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(running, "write_text_atomically", full_disk)
    result = CliRunner().invoke(app, [str(article_path), "--out", str(tmp_path / "out.json"), "-q"])
    assert result.exit_code == 2
    assert "cannot write (No space left on device); the result is on stdout instead" in result.stderr
    assert json.loads(result.stdout)["summary"]
    assert "Traceback" not in result.output
