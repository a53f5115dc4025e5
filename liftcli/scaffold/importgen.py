"""Files of ``lift dynamorm import``: imported models -> Go model files and DMS documents."""

from __future__ import annotations

from collections.abc import Sequence

from liftcli.config import Settings
from liftcli.dynamorm.importer import ImportedModel
from liftcli.errors import UsageError
from liftcli.scaffold import gocode
from liftcli.scaffold.generate import project_layout, read_model
from liftcli.scaffold.plan import FileOutput, Plan, plan
from liftcli.scaffold.render import load_manifest, render

OUTPUTS = ("go", "dms", "both")


def import_plan(
    models: Sequence[ImportedModel],
    settings: Settings,
    *,
    output: str = "both",
    models_dir: str | None = None,
    force: bool = False,
) -> Plan:
    """Plan the files for ``models`` (nothing is written)."""
    if output not in OUTPUTS:
        raise UsageError(f"unknown --output {output!r}; use go, dms or both")
    layout = project_layout(settings, models_dir=models_dir, iac="none")
    manifest = load_manifest("import")
    package = gocode.package_name_for(layout.models_path)
    outputs: list[FileOutput] = []
    notes: list[str] = []
    names = [m.name for m in models]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        raise UsageError(f"two tables become model {dup}; import them one at a time")
    for imported in models:
        paths = {"models_dir": layout.models_dir, "snake": _snake(imported.name)}
        for entry in manifest.files:
            if output not in ("both", entry.part):
                continue
            path = entry.path.format(**paths)
            if entry.part == "go":
                outputs.append(_go_output(imported, path, package, layout))
            else:
                outputs.append(FileOutput(path, _dms_text(imported)))
        notes.extend(f"{imported.table}: {n}" for n in imported.notes)
        if not imported.go_ok and output in ("go", "both"):
            notes.extend(f"{imported.table}: {p}" for p in imported.go_problems)
            notes.append(
                f"{imported.table}: use the DMS output (--output dms) for TS/Python models, or rename the "
                "attributes (AutoMigrateWithOptions can copy into a new table)"
            )
    return plan(layout.root, outputs, force=force, notes=notes)


def _snake(name: str) -> str:
    from liftcli.dynamorm.naming import to_snake_case

    return to_snake_case(name)


def go_source(imported: ImportedModel, package: str) -> str:
    fields = []
    if imported.naming_token:
        fields.append(gocode.StructField("_", "struct{}", (imported.naming_token,)))
    for f in imported.go_fields:
        omit = "omitempty" in f.tag_tokens
        fields.append(gocode.StructField(f.name, f.go_type, f.tag_tokens, f.attr, omit))
    m = imported.model
    keys = f"partition key {m.partition.name} ({m.partition.type})"
    if m.sort:
        keys += f", sort key {m.sort.name} ({m.sort.type})"
    indexes = ", ".join(f"{i.name} ({i.kind})" for i in m.indexes)
    imports = ["os"] + (["time"] if any(f.go_type == "time.Time" for f in imported.go_fields) else [])
    return render(
        "model",
        "model.go.j2",
        {
            "header": (
                f"Imported by lift dynamorm import from table {imported.table}. Edit freely: lift never"
            ),
            "package": package,
            "imports": gocode.import_block(imports),
            "name": imported.name,
            "field_lines": gocode.struct_lines(fields),
            "keys": keys,
            "indexes": indexes,
            "ttl": m.ttl_attribute,
            "table_env": imported.table_env,
            "plural": imported.table,
            "table_fallback": imported.table,
        },
    )


def _go_output(imported: ImportedModel, path: str, package: str, layout: object) -> FileOutput:
    if not imported.go_ok:
        return FileOutput(path, None, skip_reason="no Go model can map this table (see the notes)")
    text = go_source(imported, package)
    read_model(text, layout.root / path, path, layout)  # type: ignore[attr-defined]
    return FileOutput(path, text)


def _dms_text(imported: ImportedModel) -> str:
    from liftcli.dynamorm.dms import dump_dms

    return render(
        "import",
        "dms.yml.j2",
        {"table": imported.table, "notes": list(imported.notes), "dms": dump_dms([imported.model])},
    )
