"""Score eval reports by dev-set half and genre group, so a change is kept only if it helps all four.

    .venv/bin/python evals/dev_split.py eval-out/report.json [other/report.json ...]

The split is fixed once, by rule: within each genre group, the cases in alphabetical
order of id alternate between half A (1st, 3rd, ...) and half B (2nd, 4th, ...).
The project's own cases (the seed, the edge cases) are in neither half and are
shown as "project". Genre groups are the dev set README's two: diplomacy and armed
conflict, and business, labour, politics and sport (listed in GROUPS by case id:
labels of the evaluation data, not rules of the product). Fields are pooled over the
cases of a subset (TP/FP/FN summed), as ``summarize eval`` does for all cases.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

FIELDS = ("participants", "parties", "mediators", "topics", "claims", "claims_strict")
MACRO = FIELDS[:5]
#: The dev set's business, labour, politics and sport cases; every other dev case is diplomacy and conflict.
OTHER_GENRES = frozenset(
    {
        "adriano_chelsea_denial", "blair_brown_quit_claim", "brown_milburn_campaign_denial",
        "fujitsu_unite_acas_deal", "greek_sprinters_tribunal", "orange_easymobile_trademark",
        "pension_strike_talks_prescott", "smfg_daiwa_merger_denial", "southcorp_fosters_takeover_talks",
        "strachan_portsmouth_talks", "ups_teamsters_mediation", "wales_council_tax_settlement",
    }
)  # fmt: skip
PROJECT_PREFIXES = ("edge-", "lachin-")


DEV_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "evals-dev"


def subsets(ids: list[str]) -> dict[str, set[str]]:
    """The subsets of ``ids``; halves follow the whole dev set's order, so a report of one half splits right."""
    listed = [p.stem for p in DEV_DIR.glob("*.yaml")] if DEV_DIR.is_dir() else []
    dev = sorted(set(listed) or {i for i in ids if not i.startswith(PROJECT_PREFIXES)})
    groups = {
        "diplomacy": [i for i in dev if i not in OTHER_GENRES],
        "other genres": [i for i in dev if i in OTHER_GENRES],
    }
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
    seconds = [c["seconds"] for c in cases if c.get("seconds") is not None]
    scores["s/article"] = sum(seconds) / len(seconds) if seconds else float("nan")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", type=Path, nargs="+")
    args = parser.parse_args()
    columns = ["report", "subset", "cases", "macro-F1", *FIELDS, "s/article"]
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
            cells = [f"{scores[k]:.3f}" if k != "s/article" else f"{scores[k]:.1f}" for k in ("macro-F1", *FIELDS)]
            print(
                f"| {path.parent.name} | {name} | {len(chosen)} | "
                + " | ".join(cells)
                + f" | {scores['s/article']:.1f} |"
            )


if __name__ == "__main__":
    main()
