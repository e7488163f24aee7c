import io
import sys

import pytest

from summarizer import ArticleError
from summarizer._article import check_article_text, read_article, replace_lone_surrogates


def test_reads_utf8_with_and_without_bom(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text("Ministers met in Genève.", encoding="utf-8")
    bom = tmp_path / "b.txt"
    bom.write_bytes("\ufeffMinisters met.".encode())
    assert read_article(plain) == "Ministers met in Genève."
    assert read_article(bom) == "Ministers met."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_reads_utf16_and_utf32_by_their_byte_order_mark(tmp_path, encoding):
    # Windows PowerShell's `>` and Out-File write UTF-16 LE with a BOM by default.
    path = tmp_path / "ps.txt"
    text = "Zoë Mäkelä met 𠮷田 in Genève.\r\n"
    bom = {"utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    assert read_article(path) == text


@pytest.mark.parametrize(("codec", "order"), [("utf-16-le", "LE"), ("utf-16-be", "BE")])
def test_utf16_without_a_bom_is_named_with_the_fix(tmp_path, codec, order):
    path = tmp_path / "nobom.txt"
    path.write_bytes("Ministers met in Geneva on Tuesday.".encode(codec))
    with pytest.raises(
        ArticleError, match=rf"UTF-16 text without a byte-order mark; .* iconv -f UTF-16{order} "
    ) as info:
        read_article(path)
    assert "\n" not in str(info.value)


def test_a_page_resaved_as_utf8_that_still_declares_latin1_is_read_as_utf8(tmp_path):
    page = "<html><head><meta charset=iso-8859-1></head><body><article><p>François Lefèvre met Zoë in Genève.</p>"
    path = tmp_path / "resaved.html"
    path.write_bytes((page + "</article></body></html>").encode("utf-8"))
    assert read_article(path) == "François Lefèvre met Zoë in Genève."


def test_an_html_file_is_read_as_its_page_declares(tmp_path):
    page = (
        '<html><head><meta charset="windows-1252"><title>x</title></head><body>'
        "<nav>Home | Sport | Weather</nav><article><h1>Barge talks</h1>"
        "<p>François Lefèvre met Jürgen Weiß and Zoë Núñez in Kehlbach on Tuesday for talks on tolls.</p>"
        "</article><footer>Impressum</footer></body></html>"
    )
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode("cp1252"))
    text = read_article(path)
    assert "François Lefèvre met Jürgen Weiß and Zoë Núñez" in text
    assert "Impressum" not in text
    assert "Home | Sport" not in text


def test_html_on_stdin_is_recognised_by_its_opening(monkeypatch):
    page = (
        "<!DOCTYPE html><html><body><article><p>Ministers met in Genève on Friday to talk.</p></article></body></html>"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(page.encode())))
    assert read_article("-") == "Ministers met in Genève on Friday to talk."


def test_replace_lone_surrogates_keeps_pairs_and_replaces_halves():
    assert replace_lone_surrogates("cut \ud83c here, whole 🎉") == "cut \ufffd here, whole 🎉"


def test_reads_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Talks held.")))
    assert read_article("-") == "Talks held."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Caf\u00e9 talks".encode("latin-1"), "not UTF-8"),
        (bytes(range(1, 32)) * 10, "binary"),
    ],
)
def test_rejects_unusable_files_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=message) as info:
        read_article(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ArticleError, match="no such file"):
        read_article(tmp_path / "missing.txt")
    with pytest.raises(ArticleError, match="directory"):
        read_article(tmp_path)


def test_check_article_text_accepts_ordinary_text():
    assert check_article_text("Line one.\r\nLine two.\f") == "Line one.\r\nLine two.\f"
