"""DMS v0.1: reading, validation (dynamorm-facts.md §6.5) and writing."""

from __future__ import annotations

import textwrap

import pytest

from liftcli.dynamorm.dms import dump_dms, parse_dms

ORDER = """
dms_version: "0.1"
namespace: shop
models:
  - name: Order
    table: {name: orders}
    naming: {convention: camelCase}
    keys:
      partition: {attribute: PK, type: S}
      sort: {attribute: SK, type: S}
    attributes:
      - {attribute: PK, type: S, required: true, roles: [pk]}
      - {attribute: SK, type: S, required: true, roles: [sk]}
      - {attribute: status, type: S, optional: true}
      - {attribute: amount, type: N, optional: true}
      - {attribute: createdAt, type: S, format: rfc3339nano, roles: [created_at]}
      - {attribute: version, type: N, format: int, roles: [version]}
      - {attribute: ttl, type: N, format: unix_seconds, roles: [ttl], optional: true, omit_empty: true}
      - {attribute: tags, type: SS, optional: true}
      - {attribute: secret, type: S, optional: true, encryption: {v: 1}}
    indexes:
      - name: gsi-status
        type: GSI
        partition: {attribute: status, type: S}
        sort: {attribute: createdAt, type: S}
        projection: {type: INCLUDE, fields: [amount]}
      - name: lsi-amount
        type: LSI
        partition: {attribute: PK, type: S}
        sort: {attribute: amount, type: N}
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_dms(textwrap.dedent(text), "models/order.yml")


def test_reads_a_complete_document() -> None:
    models, diags = parse(ORDER)
    assert diags == []
    (order,) = models
    assert order.language == "dms" and order.table.resolved == "orders" and order.table.source == "dms"
    assert (order.partition.name, order.sort.name) == ("PK", "SK")  # type: ignore[union-attr]
    assert order.ttl_attribute == "ttl" and order.version_attribute == "version"
    gsi, lsi = order.indexes
    assert (gsi.name, gsi.projection.type, gsi.projection.non_key_attributes) == ("gsi-status", "INCLUDE", ("amount",))
    assert (lsi.name, lsi.kind, lsi.sort.type, lsi.projection.type) == ("lsi-amount", "LSI", "N", "ALL")  # type: ignore[union-attr]
    attrs = {a.name: a for a in order.attributes}
    assert attrs["tags"].set and attrs["secret"].encrypted and attrs["ttl"].omitempty
    assert order.location.line == 5  # the text starts with a blank line


def test_round_trip_through_writer() -> None:
    models, _ = parse(ORDER)
    again, diags = parse_dms(dump_dms(models), "x.yml")
    assert diags == []
    assert again[0].indexes == models[0].indexes
    assert (again[0].partition, again[0].sort) == (models[0].partition, models[0].sort)
    assert {a.name: (a.type, a.roles) for a in again[0].attributes} == {
        a.name: (a.type, a.roles) for a in models[0].attributes
    }
    assert 'dms_version: \'0.1\'' in dump_dms(models) or 'dms_version: "0.1"' in dump_dms(models)


BAD = [
    ('dms_version: 0.1\nmodels: []\n', 1, 'write dms_version: "0.1"'),
    ('dms_version: "0.2"\nmodels: []\n', 1, "unsupported dms_version: '0.2'"),
    ('dms_version: "0.1"\nmodels: []\n', 2, "non-empty models[]"),
    ('dms_version: "0.1"\nmodels:\n  - table: {name: t}\n', 3, "DMS model missing name"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes: [{attribute: id, type: S}]\n', 3, "missing table.name"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: X}}\n'
     '    attributes: [{attribute: id, type: S}]\n', 5, "must be S, N or B"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S}\n      - {attribute: id, type: N}\n', 8, "duplicate attribute id"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S, required: true, optional: true}\n', 7,
     "cannot be both required and optional"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S}\n      - {attribute: doc, type: M, json: true}\n', 8,
     "json requires type S"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: other, type: S}\n', 5, "missing partition key attribute id"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: N}}\n'
     '    attributes:\n      - {attribute: id, type: S}\n', 5, "does not match attribute id type S"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S}\n    indexes:\n      - {name: g, type: GSI, partition: '
     '{attribute: nope, type: S}}\n', 9, "index key nope is not a declared attribute"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S}\n      - {attribute: x, type: S}\n    indexes:\n'
     '      - {name: l, type: LSI, partition: {attribute: x, type: S}, sort: {attribute: id, type: S}}\n', 10,
     "LSI's partition key must be the table partition key"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S, encryption: {v: 1}}\n', 5, "encrypted attribute id cannot be a key"),
    ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    keys: {partition: {attribute: id, type: S}}\n'
     '    attributes:\n      - {attribute: id, type: S}\n      - {attribute: t, type: DATE}\n', 8, "unknown type 'DATE'"),
    ('dms_version: "0.1"\ncreated: 2024-01-01\nmodels: []\n', 2, "YAML timestamp"),
    ('dms_version: "0.1"\nx: &a 1\nmodels: [*a]\n', 2, "anchor"),
    ('dms_version: "0.1"\nmodels: !!python/object:os.system x\n', 2, "tag"),
    ('dms_version: "0.1"\nmodels: [\n', 3, "invalid YAML"),
    ('{"dms_version": "0.1", "models": [{"name": 1}]}', 1, "missing name"),
    ('dms_version: "0.1"\nx: .nan\nmodels: []\n', 2, "non-finite number"),
    ("- just\n- a list\n", 1, "must be a mapping"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_invalid_documents(text: str, line: int, message: str) -> None:
    models, diags = parse_dms(text, "bad.yml")
    errors = [d for d in diags if d.severity == "error"]
    assert errors, f"no error for {text!r}"
    assert any(message in d.message for d in errors), [d.message for d in errors]
    matching = next(d for d in errors if message in d.message)
    assert matching.path == "bad.yml" and matching.code == "DM601"
    assert matching.line == line, (matching.line, matching.message)
    assert models == [] or all(m.name != "A" for m in models)


def test_naming_convention_is_checked_as_a_warning() -> None:
    text = ('dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n    naming: {convention: snake_case}\n'
            '    keys: {partition: {attribute: PK, type: S}}\n    attributes:\n      - {attribute: PK, type: S}\n')
    models, diags = parse_dms(text, "a.yml")
    assert [(d.severity, d.code) for d in diags] == [("warning", "DM602")]
    assert len(models) == 1


def test_unknown_keys_are_ignored() -> None:
    text = ('dms_version: "0.1"\nfuture: yes\nmodels:\n  - name: A\n    table: {name: tab, extra: 1}\n'
            '    keys: {partition: {attribute: id, type: S}}\n    attributes:\n      - {attribute: id, type: S, tags: {x: 1}}\n')
    models, diags = parse_dms(text, "a.yml")
    assert diags == [] and models[0].name == "A"
