"""What the tool shows people: article text, server errors and file names cannot drive a terminal or a
Markdown renderer, and credentials in a server's address are never shown."""

import json
import re

from markdown_it import MarkdownIt
from typer.testing import CliRunner

from summarizer import ArticleSummary, Settings
from summarizer._display import markdown_text, printable, redacted_url
from summarizer._render import OutputFormat, render
from summarizer.cli import app
from summarizer.testing import TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, summary_dict
from tests.fake_server import Reply, ok, serve

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "<javascript:alert(1)>",
    "\x1b]52;c;ZXZpbCBjb21tYW5k\x07 clipboard",  # OSC 52: writes the clipboard
    "\x1b[2J\x1b[31mred\x9b0m",  # clear screen, colour, a C1 control sequence introducer
    "# a heading\n> a quote",
    "**bold** and `code` and ~~struck~~ and &amp;",
    "line one\rline two",
]


def hostile_summary() -> ArticleSummary:
    document = summary_dict(summary=" ".join(HOSTILE))
    document["parties"][0]["name"] = HOSTILE[0]
    document["participants"][0]["role"] = HOSTILE[1]
    document["topics"][0]["label"] = HOSTILE[2]
    document["topics"][0]["detail"] = HOSTILE[4]
    document["disputed_claims"][0]["claim"] = HOSTILE[3] + HOSTILE[5]
    document["disputed_claims"][0]["claimed_by"] = [HOSTILE[6]]
    document["meeting"]["location"] = HOSTILE[7] + HOSTILE[8]
    return ArticleSummary.model_validate(document)


def test_the_markdown_brief_shows_article_text_as_text():
    brief = render(hostile_summary(), OutputFormat.markdown, meta={"model": "<b>m</b>", "backend": "x",
                   "prompt_version": "v", "seconds": 1.0, "attempts": 1})  # fmt: skip
    for control in ("\x1b", "\x07", "\x9b", "\r"):
        assert control not in brief
    html = MarkdownIt("commonmark").render(brief)
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>" not in html
    assert 'href="javascript' not in html
    assert "<strong>bold" not in html
    assert "<code>" not in html
    # Each section's own markup still works, and the words are all there to read.
    assert html.count("<h2>") == 5
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click me](javascript:alert(1))" in html


def test_printable_keeps_text_and_drops_what_a_terminal_acts_on():
    assert printable("Zoë Łukasiewicz 𠮷田 👍🏽\ttab\nnew line") == "Zoë Łukasiewicz 𠮷田 👍🏽\ttab\nnew line"
    assert "\x1b" not in printable("\x1b]52;c;eA==\x07")
    assert printable("a\nb", multiline=False) == "a b"
    assert markdown_text("5. not a list") == "5\\. not a list"


def test_redacted_urls_keep_where_and_drop_who():
    assert redacted_url("https://alice:hunter2@api.example.org:8443/v1?key=abc&mode=x") == (
        "https://***@api.example.org:8443/v1?key=%2A%2A%2A&mode=%2A%2A%2A"
    )
    assert redacted_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_a_file_name_cannot_close_the_comment_around_its_brief(tmp_path, monkeypatch):
    backend = TaskBackend(answer_from_summary(summary_dict()))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    sneaky = tmp_path / "x --><img src=x onerror=alert(1)><!-- .txt"
    sneaky.write_text(ARTICLE, encoding="utf-8")
    plain = tmp_path / "b.txt"
    plain.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(app, [str(sneaky), str(plain), "--format", "markdown", "-q"])
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").render(result.stdout)
    outside_comments = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
    assert "<img" not in outside_comments  # the name stays inside its comment
    assert result.stdout.count("-->") == 2  # one comment per brief, each closed where it should be


def test_server_errors_and_credentials_reach_stderr_tamed(tmp_path, monkeypatch):
    """A server's error text is printed without its terminal escapes, and the address without its secrets."""
    evil = {"error": {"message": "bad \x1b]52;c;ZXZpbA==\x07 request", "type": "invalid_request_error"}}
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    with serve(lambda request: Reply(status=400, body=evil)) as server:
        url = server.base_url.replace("http://", "http://alice:hunter2@") + "?key=abc123"
        args = [str(article), "--base-url", url, "--model", "fake-model", "--mode", "json_schema", "-q"]
        result = CliRunner().invoke(app, args)
        out = tmp_path / "out.jsonl"
        feed = tmp_path / "in.jsonl"
        feed.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n", encoding="utf-8")
        batch = CliRunner().invoke(app, ["batch", str(feed), "--out", str(out), *args[1:-1]])
    assert result.exit_code == 1
    assert "summarize: error:" in result.stderr
    assert "bad" in result.stderr
    assert batch.exit_code == 1
    for shown in (result.stderr, batch.stderr, out.read_text(encoding="utf-8")):
        assert "\x1b" not in shown
        assert "hunter2" not in shown
        assert "abc123" not in shown
        assert "alice" not in shown


def test_openai_api_key_is_not_sent_to_another_server(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-for-openai-only")
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    with serve(lambda request: ok(json.dumps({}))) as server:
        args = [str(article), "--base-url", server.base_url, "--model", "m", "--mode", "json_schema", "-q"]
        CliRunner().invoke(app, args)
        CliRunner().invoke(app, [*args, "--api-key", "sk-for-this-server"])
    authorizations = [h.get("authorization", "") for h in server.headers]
    assert authorizations
    assert not any("sk-for-openai-only" in a for a in authorizations)
    assert any(a == "Bearer sk-for-this-server" for a in authorizations)
