"""Stable diagnostic codes of the model layer.

Codes never change meaning once released; docs/diagnostics.md is generated from this table and
a test keeps it in sync. DM1xx tag grammar, DM2xx attribute names, DM3xx field types, DM4xx keys
and indexes, DM5xx table names, DM6xx DMS documents, DM9xx reading sources.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    title: str
    hint: str = ""


CODES: dict[str, Code] = {
    c.code: c
    for c in (
        # tag grammar
        Code("DM101", "error", "unknown bare tag token (DynamORM refuses the model)",
             "Remove the token; valid bare tokens: pk, sk, version, ttl, created_at, updated_at, set, "
             "omitempty, binary, json, encrypted."),
        Code("DM102", "warning", "unknown key:value tag token (DynamORM silently ignores it)",
             "Remove it, or use a real tag (index:NAME, lsi:NAME, attr:NAME)."),
        Code("DM103", "warning", "project: has no effect in Go models (projection is always ALL)",
             "Remove project:...; Go models always project ALL. Use a DMS model for other projections."),
        Code("DM104", "error", "unknown modifier after an lsi: clause",
             "An lsi: clause only takes `sk`. Put table keys (pk, sk) before any index:/lsi: clause."),
        Code("DM105", "warning", "unknown naming convention",
             "Use naming:snake_case or naming:camelCase."),
        Code("DM106", "warning", "pk/sk after an index clause applies to the index, not the table",
             "Move `pk`/`sk` before the first index:/lsi: clause if it is meant for the table."),
        Code("DM107", "warning", "the same index appears twice in one tag", "Keep one clause per index."),
        Code("DM108", "warning", "naming: token on an exported field makes that field an attribute too",
             "Put naming:... on a blank field: `_ struct{} `dynamorm:\"naming:snake_case\"``."),
        Code("DM109", "warning", "feature not available in the DynamORM version in go.mod",
             "Upgrade github.com/pay-theory/dynamorm, or remove the token."),
        Code("DM110", "warning", "malformed struct tag: Go's reflect cannot read it, so DynamORM sees no tag",
             'Write tags as key:"value" pairs separated by spaces, e.g. `dynamorm:"pk" json:"id"`.'),
        Code("DM111", "warning", "DynamORM before v1.0.37 splits this tag differently from later releases",
             "Write the tag so both readings agree (table pk/sk and other tokens before the index clauses, "
             "only pk/sk/sparse after one), or upgrade github.com/pay-theory/dynamorm to v1.0.37 or later."),
        # names
        Code("DM201", "error", "attribute name does not follow the model's naming convention",
             "Rename the attr: value (or the field) to follow the convention."),
        Code("DM202", "error", "two fields resolve to the same attribute name",
             "Give one of them a different attr: name, or drop one with dynamorm:\"-\"."),
        Code("DM203", "info", "untagged field name does not follow the convention (not validated by DynamORM)",
             "Harmless to DynamORM; rename for consistency."),
        # types
        Code("DM301", "error", "version field must be an integer", "Use int64 for version fields."),
        Code("DM302", "warning", "unsigned version field panics on update/delete",
             "Use int or int64 for version fields."),
        Code("DM303", "error", "ttl field must be int64 or uint64",
             "Use int64 holding epoch seconds (time.Now().Add(d).Unix())."),
        Code("DM304", "error", "set tag can only be used on slice types", "Use []string with `set`."),
        Code("DM305", "error", "created_at/updated_at fields must be time.Time", "Use time.Time."),
        Code("DM306", "warning", "key type DynamORM cannot store consistently",
             "Use string, an integer type, float64 or time.Time for key fields."),
        Code("DM307", "error", "encrypted fields cannot be used as primary or index keys",
             "Index a deterministic hash of the value instead."),
        Code("DM308", "info", "model has encrypted fields: the runtime needs a KMS key ARN",
             "Set session.Config.KMSKeyARN (KMS_KEY_ARN in Lift functions)."),
        Code("DM309", "warning", "set on a non-string slice is written as a list by DynamORM's Go marshaler",
             "Use []string for sets, or drop `set`."),
        # keys and indexes
        Code("DM401", "error", "missing primary key", "Tag exactly one field with `pk`."),
        Code("DM402", "error", "duplicate primary key definition", "Only one field may be tagged `pk`."),
        Code("DM403", "error", "duplicate sort key definition", "Only one field may be tagged `sk`."),
        Code("DM404", "error", "an index has two partition keys or two sort keys",
             "Each index takes one pk field and at most one sk field."),
        Code("DM405", "error", "missing partition key for index", "Add `index:NAME,pk` on one field."),
        Code("DM406", "error", "the same attribute is both partition and sort key",
             "DynamoDB rejects a key schema that uses one attribute twice."),
        Code("DM407", "error", "LSI without a sort key", "Declare the LSI's sort key with lsi:NAME (or index:lsi-NAME,sk)."),
        Code("DM408", "error", "LSI on a table without a sort key", "LSIs need a table sort key (`sk`)."),
        Code("DM409", "error", "empty index name", "Write index:NAME with a name."),
        Code("DM410", "error", "invalid index name",
             "Index names are 3-255 characters of letters, digits, '_', '-' and '.'."),
        Code("DM411", "warning", "an index is declared both as GSI and as LSI",
             "DynamORM fixes the type from the first field it sees; use one kind consistently."),
        Code("DM412", "error", "more than 20 GSIs", "DynamoDB allows 20 GSIs per table by default."),
        Code("DM413", "error", "more than 5 LSIs", "DynamoDB allows 5 LSIs per table."),
        Code("DM414", "error", "more than 100 projected attributes across indexes",
             "DynamoDB allows 100 INCLUDE attributes per table."),
        Code("DM415", "error", "LSI partition key must be the table partition key",
             "An LSI shares the table's partition key."),
        Code("DM416", "error", "index key attribute is not an attribute of the model",
             "Add the attribute or fix the index key."),
        # table names
        Code("DM501", "error", "models sharing a table disagree on its key schema",
             "Models on one table (single-table design) must use the same pk/sk attributes and types."),
        Code("DM502", "warning", "TableName method is ignored by DynamORM (wrong signature)",
             "Declare it as `func (T) TableName() string`."),
        Code("DM503", "warning", "table name cannot be determined statically",
             "Return a string literal or os.Getenv(\"VAR\") from TableName(), or set the name in "
             "lift.yaml (dynamorm.tables.names)."),
        Code("DM504", "info", "TableName() reads an environment variable that has no value",
             "DynamORM falls back to the plural of the type name; set the variable or dynamorm.tables in lift.yaml."),
        Code("DM505", "warning", "explicit table name in lift.yaml is ignored for this model",
             "The model's TableName() returns a literal (or it has none): DynamORM always uses that name."),
        Code("DM506", "error", "invalid table name", "Table names are 3-255 characters of letters, digits, '_', '-' and '.'."),
        # DMS
        Code("DM601", "error", "invalid DMS document", "Fix the document as the message says."),
        Code("DM602", "warning", "DMS naming convention violated",
             "DMS v0.1 says names MUST follow naming.convention when it is present."),
        # sources
        Code("DM901", "error", "Go syntax error", "Fix the Go source; `gofmt -l` shows the same problem."),
        Code("DM902", "error", "cannot read model source", "Check the path and its permissions."),
        Code("DM903", "warning", "embedded type cannot be resolved; its fields are not included",
             "Keep embedded model bases in the same module, or list their folder in dynamorm.models."),
        Code("DM904", "warning", "generic struct types are not supported as models", "Use a concrete struct type."),
    )
}


def hint_for(code: str) -> str | None:
    entry = CODES.get(code)
    return entry.hint if entry and entry.hint else None


def reference_markdown() -> str:
    """A Markdown table of every diagnostic code (docs/models.md embeds it)."""
    rows = ["| code | severity | meaning | how to fix |", "| --- | --- | --- | --- |"]
    for code in sorted(CODES):
        entry = CODES[code]
        rows.append(f"| `{entry.code}` | {entry.severity} | {entry.title} | {entry.hint.replace('|', '/')} |")
    return "\n".join(rows) + "\n"
