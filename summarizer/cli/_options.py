"""Options shared by the commands that run a model: defined once, used by ``run``, ``batch`` and ``eval``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._embedded import EMBEDDED_MODELS

# Options shared by the commands that run a model.
ModelOption = Annotated[
    str | None,
    typer.Option(
        help=f"Embedded model ({', '.join(EMBEDDED_MODELS)}), or the model's name on --base-url. "
        "[env: SUMMARIZER_MODEL; default: qwen2.5-coder-1.5b, or the server's only model]",
        show_default=False,
    ),
]
ModelPathOption = Annotated[
    Path | None,
    typer.Option(help="Run this local GGUF file instead of an embedded model. [env: SUMMARIZER_MODEL_PATH]"),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(help="An OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1. [env: SUMMARIZER_BASE_URL]"),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(help="API key for --base-url. [env: SUMMARIZER_API_KEY, OPENAI_API_KEY]", show_default=False),
]
ModeOption = Annotated[
    str | None,
    typer.Option(
        help="How the server enforces the schema: auto, json_schema, json, md_json. "
        "[env: SUMMARIZER_MODE; default: auto]"
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(help="Seconds one whole request to a server may take. [env: SUMMARIZER_TIMEOUT; default: 300]"),
]
StrategyOption = Annotated[
    str | None,
    typer.Option(
        help="focused (two passes sharing the article prefix, then clean-up) or single (one naive call). "
        "[env: SUMMARIZER_STRATEGY; default: focused]"
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        help="The article's language as an ISO 639-1 code (en, de, ja...), or auto to detect it; English is read "
        "by code and the model, any other language by the model alone. [env: SUMMARIZER_LANGUAGE; default: auto]"
    ),
]
WithoutOption = Annotated[
    list[str] | None,
    typer.Option(
        "--without",
        help="Switch a pipeline step off, for an ablation; repeat for more (summarize steps lists them). "
        "[env: SUMMARIZER_WITHOUT, comma-separated]",
        show_default=False,
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        help="Articles in flight at once: requests to a server, or slots of the embedded model. "
        "[env: SUMMARIZER_CONCURRENCY; default: 4 on a server, 1 embedded]"
    ),
]


KeepUngroundedOption = Annotated[
    bool,
    typer.Option(
        "--keep-ungrounded",
        help="Keep items whose evidence is not in the article, flagged, instead of listing them under "
        "dropped. [env: SUMMARIZER_KEEP_UNGROUNDED]",
    ),
]
MinConfidenceOption = Annotated[
    float | None,
    typer.Option(
        "--min-confidence",
        min=0.0,
        max=1.0,
        help="Leave out what a verification rated below this probability (0-1; evidence.confidence), each listed "
        "in dropped as low_confidence; unrated values stay. eval scores summaries so cut and saves them whole.",
    ),
]
