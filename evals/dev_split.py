"""Score eval reports by dev-set half and genre group, so a change is kept only if it helps all four.

    .venv/bin/python evals/dev_split.py eval-out/report.json [other/report.json ...]

The split is fixed once, by rule: within each genre group, the cases in alphabetical
order of id alternate between half A (1st, 3rd, ...) and half B (2nd, 4th, ...).
The project's own cases (the seed, the edge cases) are in neither half and are
shown as "project". Genre groups are the dev set README's two: diplomacy and armed
conflict, and business, labour, politics and sport, read from the README's case
table (labels of the evaluation data, not rules of the product); a dev case the
table does not list is an error, never a silent guess. Fields are pooled over the
cases of a subset (TP/FP/FN summed), as ``summarize eval`` does for all cases, and
so are the meeting accuracies (right answers over the cases scored on them).
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

FIELDS = ("participants", "parties", "mediators", "topics", "claims", "claims_strict")
MACRO = FIELDS[:5]
ACCURACIES = ("meeting_status", "meeting_location")
#: The README's labels of the two genre groups, and the short names the tables use.
GROUP_LABELS = {"diplomacy and armed conflict": "diplomacy", "business, labour, politics, sport": "other genres"}
PROJECT_PREFIXES = ("edge-", "lachin-")


DEV_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "evals-dev"


@cache
def genre_groups(dev_dir: Path = DEV_DIR) -> dict[str, str]:
    """Each dev case's genre group, from the README's table rows ``| id | group | ...``."""
    cases = {p.stem for p in dev_dir.glob("*.yaml")}
    readme = dev_dir / "README.md"
    groups = {}
    for line in readme.read_text(encoding="utf-8").splitlines():
        row = re.match(r"\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|", line)
        if row and row[1] in cases:
            if row[2] not in GROUP_LABELS:
                raise SystemExit(f"dev_split: {readme}: unknown group {row[2]!r} for {row[1]}")
            groups[row[1]] = GROUP_LABELS[row[2]]
    unlisted = sorted(cases - set(groups))
    if unlisted:
        raise SystemExit(f"dev_split: {readme} gives no group for {', '.join(unlisted)}")
    return groups


def subsets(ids: list[str]) -> dict[str, set[str]]:
    """The subsets of ``ids``; halves follow the whole dev set's order, so a report of one half splits right."""
    if not DEV_DIR.is_dir():
        raise SystemExit(f"dev_split: {DEV_DIR} is missing; the halves are defined over the whole dev set")
    group_of = genre_groups()
    dev = sorted(group_of)
    groups = {short: [i for i in dev if group_of[i] == short] for short in GROUP_LABELS.values()}
    halves: dict[str, set[str]] = {"half A": set(), "half B": set()}
    for members in groups.values():
        for n, case in enumerate(members):
            halves["half A" if n % 2 == 0 else "half B"].add(case)
    present = set(ids)
    return {
        **{name: members & present for name, members in halves.items()},
        **{name: set(members) & present for name, members in groups.items()},
        "project": {i for i in ids if i.startswith(PROJECT_PREFIXES)},
        "all": set(ids),
    }


def pooled(cases: list[dict[str, Any]]) -> dict[str, float]:
    scores = {}
    for field in FIELDS:
        tp = sum(c["fields"][field]["tp"] for c in cases)
        fp = sum(c["fields"][field]["fp"] for c in cases)
        fn = sum(c["fields"][field]["fn"] for c in cases)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        scores[field] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    scores["macro-F1"] = sum(scores[f] for f in MACRO) / len(MACRO)
    for name in ACCURACIES:
        outcomes = [c.get("meeting", {}).get(name) for c in cases]
        scored = [o for o in outcomes if o is not None]
        scores[name] = sum(scored) / len(scored) if scored else float("nan")
    seconds = [c["seconds"] for c in cases if c.get("seconds") is not None]
    scores["s/article"] = sum(seconds) / len(seconds) if seconds else float("nan")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", type=Path, nargs="+")
    args = parser.parse_args()
    columns = ["report", "subset", "cases", "macro-F1", *FIELDS, *ACCURACIES, "s/article"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for path in args.reports:
        cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
        for name, members in subsets([c["id"] for c in cases]).items():
            # A failed case counts as the empty answer ``summarize eval`` scores it as.
            chosen = [c for c in cases if c["id"] in members]
            if not chosen:
                continue
            scores = pooled(chosen)
            cells = [f"{scores[k]:.3f}" for k in ("macro-F1", *FIELDS, *ACCURACIES)]
            print(
                f"| {path.parent.name} | {name} | {len(chosen)} | "
                + " | ".join(cells)
                + f" | {scores['s/article']:.1f} |"
            )


if __name__ == "__main__":
    main()
