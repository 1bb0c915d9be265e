"""Contract checks: request bodies and query parameters against Kit's OpenAPI documents.

Kit publishes two descriptions that overlap (see tests/kit_api/README.md): the subset
merged from its reference pages, and its whole v4 document, a little newer, which alone
describes tags, forms and unsubscribes. Where both describe an operation a request must
satisfy both (the documents disagree in places, and the client must work with either
reading); a query parameter is allowed when either declares it. Copies of both documents ship
in tests/kit_api/, so every clone runs the same checks; KIT_OPENAPI_DIR names another folder
(a newer download, say), and when a folder lacks them the checks are skipped with that reason.
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

DOCS = Path(os.environ.get("KIT_OPENAPI_DIR") or Path(__file__).resolve().parent / "kit_api")
SUBSET = DOCS / "kit-v4-subset.openapi.yaml"
WHOLE = DOCS / "kit-v4-openapi.json"
SKIP_REASON = f"Kit's OpenAPI documents are not in {DOCS} (set KIT_OPENAPI_DIR to the folder holding them)"


def _inline(node: Any, root: dict, depth: int = 0) -> Any:
    """The node with every local `$ref` replaced by what it points to (Kit's refs are not cyclic)."""
    if depth > 50:
        raise AssertionError("a $ref chain in Kit's document is too deep (a cycle?)")
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _inline(target, root, depth + 1)
        return {k: _inline(v, root, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, root, depth) for v in node]
    return node


@lru_cache(maxsize=1)
def specs() -> tuple[dict, ...]:
    """Both documents, refs inlined: the reference pages' subset first, then the whole document."""
    import yaml

    subset = yaml.safe_load(SUBSET.read_text(encoding="utf-8"))
    whole = json.loads(WHOLE.read_text(encoding="utf-8"))
    return _inline(subset, subset), _inline(whole, whole)


def spec() -> dict:
    """The reference pages' subset (kept for tests that read one document)."""
    return specs()[0]


def available() -> bool:
    return SUBSET.is_file() and WHOLE.is_file()


def require_spec() -> None:
    if not available():
        pytest.skip(SKIP_REASON)


def _operation_in(doc: dict, method: str, path: str) -> dict | None:
    """The operation for a concrete path in one document, a literal template winning over `{id}`."""
    found = None
    for template, ops in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            if "{" not in template:
                return ops[method.lower()]
            found = found or ops[method.lower()]
    return found


def operations(method: str, path: str) -> list[dict]:
    """The operation as each document that describes it has it."""
    found = [op for doc in specs() if (op := _operation_in(doc, method, path)) is not None]
    if not found:
        raise AssertionError(f"{method} {path} is not in Kit's OpenAPI document")
    return found


def operation(method: str, path: str) -> dict:
    """The operation for a concrete request path (ids fill `{id}` templates), from the first document having it."""
    return operations(method, path)[0]


# Operations whose body Kit's documents leave out though they describe it elsewhere: checked against
# the body of the operation named. DELETE /v4/bulk/tags/subscribers has no requestBody, but its 422
# ("Returns a 422 when `taggings` is empty or not an array") names the body of POST's bulk tagging.
BODY_GAPS = {("DELETE", "/v4/bulk/tags/subscribers"): ("POST", "/v4/bulk/tags/subscribers")}


def problems(method: str, path: str, body: Any, query: dict[str, str] | None = None) -> list[str]:
    """Everything about one request that Kit's documents do not allow; [] when it validates."""
    from openapi_schema_validator import OAS30Validator

    ops = operations(method, path)
    if (gap := BODY_GAPS.get((method.upper(), path))) is not None:
        ops = [{**op, "requestBody": operation(*gap)["requestBody"]} if "requestBody" not in op else op
               for op in ops]
    found: list[str] = []
    declared = {p["name"] for op in ops for p in op.get("parameters", []) if p.get("in") == "query"}
    found += [f"query parameter {name!r} is not declared" for name in (query or {}) if name not in declared]
    for op in ops:
        if "requestBody" in op and body is None and not op["requestBody"].get("required"):
            continue  # an optional body may be left out (POST /v4/subscribers/{id}/unsubscribe takes `{}` or none)
        if "requestBody" in op:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            found += [f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
                      for e in OAS30Validator(schema).iter_errors(body)]
        elif body is not None:
            found.append("a body was sent to an operation that takes none")
    return list(dict.fromkeys(found))


def check_call(request: Any) -> list[str]:
    """Problems of a `requests.PreparedRequest` (as recorded by `responses`)."""
    url = urlparse(request.url)
    body = json.loads(request.body) if request.body else None
    return problems(request.method, url.path, body, dict(parse_qsl(url.query)))


def _lenient(node: Any) -> Any:
    """A response schema without Kit's `fields.category` requirement (quirk 3 in kit-api/README.md: an
    artefact of its example data): responses are validated leniently there, requests strictly."""
    if isinstance(node, dict):
        out = {k: _lenient(v) for k, v in node.items()}
        if out.get("required") == ["category"]:
            del out["required"]
        return out
    if isinstance(node, list):
        return [_lenient(v) for v in node]
    return node


def response_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    """Everything about one answer that the response schema of each document describing it does not allow."""
    from openapi_schema_validator import OAS30Validator

    found: list[str] = []
    for op in operations(method, path):
        answer = op.get("responses", {}).get(str(status))
        if answer is None:
            found.append(f"status {status} is not documented")
            continue
        schema = _lenient(answer["content"]["application/json"]["schema"])
        found += [f"{'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
                  for e in OAS30Validator(schema).iter_errors(body)]
    return list(dict.fromkeys(found))
