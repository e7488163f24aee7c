"""The extraction pipeline: declared strategies (passes, repair steps) and the sans-IO plan that runs them."""

from ._plan import Plan, describe, describe_steps, plan
from ._steps import ModelRequest, Pass, Repair, current_request
from ._strategies import DEFAULT_STRATEGY, STRATEGIES, Strategy, get_strategy

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "ModelRequest",
    "Pass",
    "Plan",
    "Repair",
    "Strategy",
    "current_request",
    "describe",
    "describe_steps",
    "get_strategy",
    "plan",
]
