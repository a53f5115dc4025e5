"""Text rendering of `inspect` (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.dynamorm.model import Model
    from liftcli.dynamorm.project import Project


def _key(name: str, key_type: str) -> str:
    return f"{name} ({key_type})"


def render_model(console: Console, model: Model) -> None:
    from rich.markup import escape
    from rich.table import Table

    lang = "Go" if model.language == "go" else "DMS"
    details = [lang, model.naming]
    if model.dynamorm_version:
        details.append(f"DynamORM {model.dynamorm_version}")
    console.print(
        f"[bold]{escape(model.name)}[/]  {escape(str(model.location))}  [dim]({', '.join(details)})[/]"
    )
    table = model.table
    origin = f"  [dim]{escape(table.origin)}[/]" if table.origin else ""
    console.print(f"  table       [bold]{escape(table.resolved)}[/]{origin}")
    keys = f"HASH {_key(model.partition.name, model.partition.type)}"
    if model.sort:
        keys += f"   RANGE {_key(model.sort.name, model.sort.type)}"
    console.print(f"  keys        {escape(keys)}")
    for idx in sorted(model.indexes, key=lambda i: (i.kind, i.name)):
        line = f"HASH {_key(idx.partition.name, idx.partition.type)}"
        if idx.sort:
            line += f"   RANGE {_key(idx.sort.name, idx.sort.type)}"
        projection = idx.projection.type
        if idx.projection.non_key_attributes:
            projection += " " + ",".join(idx.projection.non_key_attributes)
        console.print(f"  {idx.kind.lower()}         {escape(idx.name)}: {escape(line)}   projection {projection}")
    console.print("  billing     PAY_PER_REQUEST")
    console.print(f"  ttl         {escape(model.ttl_attribute) if model.ttl_attribute else '-'}")
    go = model.language == "go"
    grid = Table(box=None, show_header=True, header_style="dim", pad_edge=False, padding=(0, 2, 0, 0))
    if go:
        grid.add_column("  field")
    grid.add_column("attribute" if go else "  attribute")
    grid.add_column("type")
    grid.add_column("roles / flags")
    for attr in model.attributes:
        flags = list(attr.roles)
        flags += [f for f, on in (("omitempty", attr.omitempty), ("set", attr.set), ("encrypted", attr.encrypted),
                                  ("json", attr.json), ("binary", attr.binary)) if on]
        cells = [escape(attr.name), attr.type, escape(", ".join(flags))]
        if go:
            cells.insert(0, "  " + escape(attr.field or attr.name))
        else:
            cells[0] = "  " + cells[0]
        grid.add_row(*cells)
    console.print(grid)


def render_models(console: Console, project: Project) -> None:
    for i, model in enumerate(project.models):
        if i:
            console.print()
        render_model(console, model)
