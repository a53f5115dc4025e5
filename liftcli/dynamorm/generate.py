"""``generate-migration``: plan the changes that bring deployed tables to the models.

desired (models) -> actual (DescribeTable & co) -> diff -> plan -> migration file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from liftcli.dynamorm.compare import CompareOptions
from liftcli.dynamorm.diff import diff_tables
from liftcli.dynamorm.migration_file import migration_filename, next_migration_id, render_migration, slugify
from liftcli.dynamorm.plan import Plan, iac_deploys, plan
from liftcli.dynamorm.project import Project
from liftcli.dynamorm.spec import TableSpec
from liftcli.dynamorm.validate import desired_specs, fetch_actual
from liftcli.errors import FileConflictError, MigrationError
from liftcli.fsutil import atomic_writer


@dataclass(frozen=True)
class Planned:
    plan: Plan
    desired: Mapping[str, TableSpec]
    actual: Mapping[str, TableSpec | None]
    deploys: int  # CloudFormation deploys the same change would need

    @property
    def empty(self) -> bool:
        return not self.plan.ops


def plan_project(
    project: Project,
    client: Any,
    *,
    endpoint_kind: str,
    options: CompareOptions,
    now: datetime,
    ttl_last_changed: Mapping[str, datetime] | None = None,
    concurrency: int = 16,
) -> Planned:
    desired, _ = desired_specs(project.models)
    actual = fetch_actual(client, desired, endpoint_kind=endpoint_kind, concurrency=concurrency)
    ops = diff_tables(desired, actual, options=options)
    result = plan(ops, now=now, actual=actual, ttl_last_changed=ttl_last_changed)
    return Planned(result, desired, actual, len(iac_deploys(ops)))


def default_name(result: Plan) -> str:
    """A short name from the ops: ``create-invoices``, ``add-gsi-status-to-orders``, ..."""
    if not result.ops:
        return "no-changes"
    first = result.ops[0].describe()
    more = len(result.ops) - 1
    return slugify(first + (f" and {more} more" if more else ""))


def write_migration(
    planned: Planned,
    *,
    directory: Path,
    name: str | None,
    now: datetime,
    environment: str | None,
    output: Path | None = None,
) -> Path:
    """Write the migration file atomically; never overwrite an existing file."""
    if not planned.plan.ok:
        problems = "; ".join(f"{i.table}: {i.message}" for i in planned.plan.issues)
        raise MigrationError(f"the plan cannot be applied: {problems}",
                             hint="Fix the models (quotas, names, key types), then generate again.")
    if output is not None and output.suffix in (".yml", ".yaml"):
        directory = output.parent
        path = output
        migration_id = next_migration_id(directory)
    else:
        directory = output or directory
        migration_id = next_migration_id(directory)
        path = directory / migration_filename(migration_id, name or default_name(planned.plan))
    if path.exists():
        raise FileConflictError(f"{path} already exists; not overwriting it",
                                hint="Choose another --name or -o path.")
    text = render_migration(planned.plan, migration_id=migration_id, name=name or default_name(planned.plan),
                            created_at=now, desired_specs=planned.desired, environment=environment)
    try:
        with atomic_writer(path) as handle:
            handle.write(text)
    except OSError as exc:
        raise MigrationError(f"cannot write {path}: {exc.strerror or exc}",
                             hint="Check the directory exists and is writable (migrations.directory).") from None
    return path
