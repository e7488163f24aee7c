"""The text layer: one cleaner, one normaliser and one segmenter for every part that reads an article."""

from ._clean import CleanText, clean
from ._normalize import contains_words, fold, letters_with_origin, normalize, written_without_spaces
from ._segment import (
    TOKEN_PATTERN,
    Token,
    chunk_spans,
    ends_sentence,
    opens_with_title,
    sentence_spans,
    sentences,
    token_texts,
    tokens,
)

__all__ = [
    "TOKEN_PATTERN",
    "CleanText",
    "Token",
    "chunk_spans",
    "clean",
    "contains_words",
    "ends_sentence",
    "fold",
    "letters_with_origin",
    "normalize",
    "opens_with_title",
    "sentence_spans",
    "sentences",
    "token_texts",
    "tokens",
    "written_without_spaces",
]
