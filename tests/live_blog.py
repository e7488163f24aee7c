"""Live blogs of any length from a seed file (``../shared/tries/inputs/15-long-live-blog-seed.txt``).

A seed has lines ``H|`` (the head, in order), ``E|`` (entry templates used in
rotation, with ``{n}`` the update number and ``{t}`` a clock time) and ``T|``
(the tail); ``#`` lines are comments. The head and tail alone are the short
version of the same story.
"""

from __future__ import annotations

from pathlib import Path


def live_blog(seed: Path, entries: int) -> str:
    """The blog with ``entries`` updates between head and tail, paragraphs separated by blank lines."""
    head: list[str] = []
    templates: list[str] = []
    tail: list[str] = []
    for line in seed.read_text(encoding="utf-8").splitlines():
        kind, _, text = line.partition("|")
        {"H": head, "E": templates, "T": tail}.get(kind, []).append(text)
    updates = [
        templates[n % len(templates)].format(n=n + 1, t=f"{8 + n * 14 // 60 % 14:02d}:{n * 14 % 60:02d}")
        for n in range(entries if templates else 0)
    ]
    return "\n\n".join([*head, *updates, *tail]) + "\n"
