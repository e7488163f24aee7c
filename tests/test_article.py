import io
import sys

import pytest

from summarizer import ArticleError
from summarizer._article import check_article_text, read_article


def test_reads_utf8_with_and_without_bom(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_text("Ministers met in Genève.", encoding="utf-8")
    bom = tmp_path / "b.txt"
    bom.write_bytes("\ufeffMinisters met.".encode())
    assert read_article(plain) == "Ministers met in Genève."
    assert read_article(bom) == "Ministers met."


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
