"""The extraction pipeline: declared strategies (passes, repair steps) and the sans-IO plan that runs them."""

from ._merge import merge_summaries
from ._plan import ChunkedGrounding, Plan, Settles, describe, describe_steps, plan, plan_chunks
from ._steps import Check, ModelRequest, Pass, Repair, Verification, current_request
from ._strategies import DEFAULT_STRATEGY, STRATEGIES, Strategy, get_strategy

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "Check",
    "ChunkedGrounding",
    "ModelRequest",
    "Pass",
    "Plan",
    "Repair",
    "Settles",
    "Strategy",
    "Verification",
    "current_request",
    "describe",
    "describe_steps",
    "get_strategy",
    "merge_summaries",
    "plan",
    "plan_chunks",
]
