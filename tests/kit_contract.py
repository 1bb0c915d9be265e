"""Contract checks: request bodies and query parameters against Kit's OpenAPI document.

The document lives in ../shared/kit-api/ beside the repository (or where KIT_OPENAPI says);
on a user's own clone it is absent, and the checks are skipped with that reason.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

import pytest

SPEC = Path(os.environ.get("KIT_OPENAPI") or
            Path(__file__).resolve().parents[2] / "shared" / "kit-api" / "kit-v4-subset.openapi.yaml")
SKIP_REASON = f"Kit's OpenAPI document is not at {SPEC} (set KIT_OPENAPI to its path)"


@lru_cache(maxsize=1)
def spec() -> dict:
    import yaml

    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def available() -> bool:
    return SPEC.is_file()


def require_spec() -> None:
    if not available():
        pytest.skip(SKIP_REASON)


def operation(method: str, path: str) -> dict:
    """The OpenAPI operation for a concrete request path (ids fill `{id}` templates)."""
    for template, ops in spec()["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            return ops[method.lower()]
    raise AssertionError(f"{method} {path} is not in Kit's OpenAPI document")


def problems(method: str, path: str, body: Any, query: dict[str, str] | None = None) -> list[str]:
    """Everything about one request that Kit's document does not allow; [] when it validates."""
    from openapi_schema_validator import OAS30Validator

    op = operation(method, path)
    found = []
    declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
    found += [f"query parameter {name!r} is not declared" for name in (query or {}) if name not in declared]
    if "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        found += [f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
                  for e in OAS30Validator(schema).iter_errors(body)]
    elif body is not None:
        found.append("a body was sent to an operation that takes none")
    return found


def check_call(request: Any) -> list[str]:
    """Problems of a `requests.PreparedRequest` (as recorded by `responses`)."""
    url = urlparse(request.url)
    body = json.loads(request.body) if request.body else None
    return problems(request.method, url.path, body, dict(parse_qsl(url.query)))
