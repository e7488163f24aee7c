"""Reading an article's wording: one reader per language, behind one interface; see ``_reader``."""

from ._evidence import Attribution, RoleCues
from ._lexicon import Lexicon, english
from ._reader import AUTO, EnglishReader, ModelOnlyReader, Reader, Reading, detect_language, read, reader_for

__all__ = [
    "AUTO",
    "Attribution",
    "EnglishReader",
    "Lexicon",
    "ModelOnlyReader",
    "Reader",
    "Reading",
    "RoleCues",
    "detect_language",
    "english",
    "read",
    "reader_for",
]
