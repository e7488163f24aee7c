"""Grounding: every item of a summary must point at the words of the article, as checked by code.

The model chooses a quote for each item; code, never the model, finds it in
the article and records where: first as given (``exact``), then after
normalisation (``normalized``: case, accents, spacing, curly or straight
quotes, dashes and hyphenation all ignored, matched on word boundaries), then
by alignment (``fuzzy``: rapidfuzz's partial-ratio alignment scoring at
least 90). Offsets are ``[start, end)`` in Unicode code points of the article
as given, so ``article[start:end]`` is the quoted passage.

Where code can tell which of the article's phrases shows an item (its name,
or the words a topic or claim shares with them), ``PhraseChooser`` picks the
quote, and the model is asked only for the rest.

Names are checked on their own: a party, participant or mediator whose name
does not occur in the article is ungrounded whatever its quote says. A person
may be named by their surname alone; a side or mediator by an acronym of its
name ("UN"), the words of its name in another form ("Iranian" for "Iran"),
or without generic words ("Velmoran government" for "Velmora").
"""

from ._check import Grounding, UngroundedItem, in_original
from ._choose import PhraseChooser
from ._counts import GroundingCounts, grounding_counts
from ._index import ArticleIndex, Location, quotable_phrases

__all__ = [
    "ArticleIndex",
    "Grounding",
    "GroundingCounts",
    "Location",
    "PhraseChooser",
    "UngroundedItem",
    "grounding_counts",
    "in_original",
    "quotable_phrases",
]
