import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from summarizer import Settings
from summarizer._probabilities import CONTENT_FREE
from summarizer.cli import app
from summarizer.pipeline import ModelRequest
from summarizer.testing import FirstToken, ScriptedBackend, TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, summary_dict, without_quotes


def run_cli(*args, stdin=b"", cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "summarizer", *args], input=stdin, capture_output=True, cwd=cwd, timeout=120
    )


@pytest.fixture
def scripted(monkeypatch):
    """Make the CLI's backend a scripted fake."""
    backend = TaskBackend(answer_from_summary(summary_dict()))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    return backend


def test_prints_json_summary(scripted, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(app, [str(article)])
    assert result.exit_code == 0, result.output
    assert without_quotes(json.loads(result.stdout)) == without_quotes(summary_dict())


def test_explicit_run_command_and_meta(scripted, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(article), "--meta", "-q"])
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)["meta"]
    assert meta["strategy"] == "focused"
    assert meta["attempts"] == 4  # meeting, disputes, the topics and mediator checks; code quotes every item


def test_markdown_brief(scripted, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(app, [str(article), "--format", "markdown", "-q"])
    assert result.exit_code == 0, result.output
    assert "## Mediators" in result.stdout
    assert "Island Council (organization)" in result.stdout
    assert "denied by Northland ministry" in result.stdout
    assert "**Meeting:** Talks held on Wednesday." in result.stdout  # whether the talks took place comes first


def test_html_report_for_one_article(scripted, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, [str(article), "--format", "html", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert 'data-items="mediators-0"' in page
    refused = CliRunner().invoke(app, [str(article), str(article), "--format", "html"])
    assert refused.exit_code == 2
    assert "one report per article" in refused.stderr


def test_keep_ungrounded_flags_instead_of_dropping(monkeypatch, tmp_path):
    invented = summary_dict(
        participants=[{"name": "Imaginary Person", "role": None, "side": None, "evidence": {"quote": "Ada Brook"}}]
    )
    backend = TaskBackend(answer_from_summary(invented))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    dropped = json.loads(CliRunner().invoke(app, [str(article), "-q"]).stdout)
    # The two who met are added from the article's wording ("X met Y"); the invented name is dropped.
    assert [p["name"] for p in dropped["participants"]] == ["Ada Brook", "Tomas Rehn"]
    assert dropped["dropped"][0]["reason"] == "name_not_in_article"
    kept = json.loads(CliRunner().invoke(app, [str(article), "-q", "--keep-ungrounded"]).stdout)
    assert kept["participants"][0]["evidence"]["problem"] == "name_not_in_article"
    assert kept["dropped"] == []


def test_out_writes_file_and_nothing_to_stdout(scripted, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "summary.json"
    result = CliRunner().invoke(app, [str(article), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert json.loads(out.read_text())["parties"][0]["name"] == "Northland"


def test_reads_stdin(scripted):
    result = CliRunner().invoke(app, ["-", "-q"], input=ARTICLE)
    assert result.exit_code == 0, result.output
    assert ARTICLE in scripted.requests[0]["messages"][-1]["content"]


def test_failed_extraction_leaves_no_out_file(monkeypatch, tmp_path):
    backend = ScriptedBackend(["bad"] * 3)
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "summary.json"
    result = CliRunner().invoke(app, [str(article), "--out", str(out)])
    assert result.exit_code == 1
    assert "no valid summary after 3 attempt(s)" in result.stderr  # the first pass fails for good
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [article]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        ("Genève".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_input_is_one_line_no_traceback_no_out_file(tmp_path, content, message):
    article = tmp_path / "article.txt"
    if content is not None:
        article.write_bytes(content)
    out = tmp_path / "out.json"
    proc = run_cli(str(article), "--out", str(out))
    stderr = proc.stderr.decode()
    assert proc.returncode == 2
    assert message in stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("summarize: error: ")
    assert "Traceback" not in stderr
    assert proc.stdout == b""
    assert not out.exists()


def test_bad_settings_are_one_line(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    for args, message in [
        (["--model", "gpt-17"], "unknown model"),
        (["--model-path", str(tmp_path / "none.gguf")], "model file not found"),
        (["--model-path", str(article)], "not a GGUF"),
        (["--out", str(tmp_path / "no" / "dir.json")], "does not exist"),
    ]:
        proc = run_cli(str(article), *args)
        stderr = proc.stderr.decode()
        assert proc.returncode == 2, (args, stderr)
        assert message in stderr, (args, stderr)
        assert stderr.count("\n") == 1, stderr


@pytest.mark.parametrize(
    ("args", "message", "command"),
    [
        (["eval", "--tolerance", "abc"], "Invalid value for '--tolerance'", "summarize eval"),
        (["eval", "--min-confidence", "1.5"], "Invalid value for '--min-confidence'", "summarize eval"),
        (["run", "--bogus"], "No such option: --bogus", "summarize run"),
        (["run"], "Missing argument", "summarize run"),
        (["run", "x.txt", "--format", "yaml"], "Invalid value for '--format'", "summarize run"),
    ],
)
def test_parse_errors_are_one_line_naming_the_help(args, message, command):
    """A mistyped option or a missing argument reads like every other error: one line, exit 2, no usage block."""
    proc = run_cli(*args)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2, stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(f"summarize: error: {message}"), stderr
    assert stderr.rstrip().endswith(f"see '{command.replace('summarize', 'python -m summarizer')} --help'"), stderr
    assert "Usage:" not in stderr
    assert proc.stdout == b""
    # The same line through the app object, as a library user embedding the CLI (or CliRunner) calls it.
    result = CliRunner().invoke(app, args, prog_name="summarize")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"summarize: error: {message}")
    assert result.stderr.rstrip().endswith(f"see '{command} --help'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "x.txt", "--out"], "Option '--out' requires an argument"),
        (["run", "x.txt", "--meta=yes"], "Option '--meta' does not take a value"),
    ],
)
def test_a_parse_error_click_gives_no_command_gets_no_help_hint_rather_than_a_wrong_one(args, message):
    stderr = run_cli(*args).stderr.decode()
    assert stderr == f"summarize: error: {message}\n"


def test_a_typed_ellipsis_and_a_suggestion_read_as_typed():
    assert "No such option: --foo...; see" in run_cli("run", "x.txt", "--foo...").stderr.decode()
    assert "Did you mean 'clear'? see 'python -m summarizer cache --help'" in run_cli("cache", "cler").stderr.decode()


@pytest.mark.parametrize("args", [[], ["cache"]])
def test_a_bare_group_shows_its_whole_help_not_an_error_line(args):
    proc = run_cli(*args)
    stderr = proc.stderr.decode()
    assert proc.returncode == 2
    assert stderr.startswith("Usage: ")
    assert "summarize: error" not in stderr
    assert stderr.count("\n") > 5  # the help's own lines, not one flattened line


def test_help_and_command_exit_codes_survive_the_one_line_errors(tmp_path):
    assert run_cli("--help").returncode == 0
    assert run_cli("eval", "--help").returncode == 0
    assert run_cli(str(tmp_path / "missing.txt")).returncode == 2  # a command's own typer.Exit code


def test_empty_stdin():
    proc = run_cli("-", stdin=b"")
    assert proc.returncode == 2
    assert b"<stdin>: the article is empty" in proc.stderr


def test_help_lists_commands_and_options():
    top = run_cli("--help").stdout.decode()
    for word in ("run", "models", "schema", "summarize ARTICLE"):
        assert word in top
    run_help = run_cli("run", "--help").stdout.decode()
    for option in ("--format", "--out", "--model", "--model-path", "--meta", "--max-tokens", "--n-ctx"):
        assert option in run_help


def test_schema_command_prints_the_exported_schema():
    proc = run_cli("schema")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["title"] == "ArticleSummary"


def test_min_confidence_leaves_out_a_place_rated_below_it(monkeypatch, tmp_path):
    """`run --min-confidence` shows what a user filtering on evidence.confidence keeps, for one article and many."""
    placed = ARTICLE.replace("on Wednesday", "in Harbourtown on Wednesday")
    meeting = {"status": "held", "date": None, "location": "Harbourtown"}
    answers = answer_from_summary(summary_dict(meeting={**meeting, "location_evidence": None, "date_evidence": None}))

    def answer(request: ModelRequest):
        if request.choices:  # the venue question: log-odds ln(11.5) = 2.44 over nothing, above the 2.35 threshold
            p = 0.5 if request.article == CONTENT_FREE else 0.92
            return FirstToken({"yes": p, "no": 1 - p})
        return answers(request)

    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: TaskBackend(answer))
    article = tmp_path / "a.txt"
    article.write_text(placed, encoding="utf-8")

    def location(*args: str) -> tuple[str | None, list[str]]:
        result = CliRunner().invoke(app, [str(article), "-q", *args])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        return summary["meeting"]["location"], [d["reason"] for d in summary["dropped"] if d["field"] == "meeting"]

    rated = location()
    assert rated == ("Harbourtown", [])  # kept by the verification, rated about 0.46
    assert location("--min-confidence", "0.4") == rated
    assert location("--min-confidence", "0.5") == (None, ["low_confidence"])
    unrated = CliRunner().invoke(app, [str(article), "--without", "venue", "--min-confidence", "0.5"])
    assert json.loads(unrated.stdout)["meeting"]["location"] == "Harbourtown"
    assert "--min-confidence removed nothing: no value was rated" in unrated.stderr  # said, not silently ignored
    many = CliRunner().invoke(app, [str(article), str(article), "-q", "--min-confidence", "0.5"])
    assert many.exit_code == 0, many.output
    records = [json.loads(line) for line in many.stdout.splitlines()]
    assert [r["summary"]["meeting"]["location"] for r in records] == [None, None]
