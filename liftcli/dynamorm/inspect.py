"""The data behind ``lift dynamorm inspect``: a stable JSON document of models and tables."""

from __future__ import annotations

from typing import Any

from liftcli.dynamorm.model import Model
from liftcli.dynamorm.project import Project
from liftcli.dynamorm.spec import create_table_request, table_spec_from_model

#: Bump only with a changelog entry: other tools parse this document.
INSPECT_SCHEMA_VERSION = 1


def model_document(model: Model) -> dict[str, Any]:
    return {
        "name": model.name,
        "language": model.language,
        "source": {"path": model.location.path, "line": model.location.line},
        "naming": model.naming,
        "dynamorm_version": model.dynamorm_version,
        "table_name": {
            "resolved": model.table.resolved,
            "source": model.table.source,
            "env_var": model.table.env_var,
            "fallback": model.table.fallback,
            "origin": model.table.origin,
        },
        "table": create_table_request(table_spec_from_model(model)),
        "ttl_attribute": model.ttl_attribute,
        "attributes": [a.to_dict() for a in model.attributes],
    }


def inspect_document(project: Project) -> dict[str, Any]:
    return {
        "schema_version": INSPECT_SCHEMA_VERSION,
        "environment": project.settings.env_name,
        "models": [model_document(m) for m in project.models],
        "diagnostics": [d.to_dict() for d in project.diagnostics],
    }


def create_table_requests(project: Project) -> list[dict[str, Any]]:
    """One CreateTable request per table (models sharing a table give one request)."""
    seen: dict[str, dict[str, Any]] = {}
    for model in project.models:
        request = create_table_request(table_spec_from_model(model))
        seen.setdefault(request["TableName"], request)
    return [seen[name] for name in sorted(seen)]
