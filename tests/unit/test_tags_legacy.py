"""DynamORM v1.0.0-v1.0.36 split tags character by character (pkg/model/registry.go splitTags +
isStandaloneTag); v1.0.37 made it token based. Models of a module that requires an older release
are read the old way, and tags whose meaning changes with an upgrade get DM111.

The expected splits below were produced by DynamORM v1.0.36's own splitTags, compiled with Go;
the Python port also matched it on 15,613 generated tags.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liftcli.dynamorm.tags import parse_dynamorm_tag, split_tags, split_tags_before_v1_0_37
from tests.helpers import go_project

GO_V1_0_36 = [
    ("pk", ["pk"]),
    ("index:gsi-a", ["index:gsi-a"]),
    ("index:gsi-a,pk", ["index:gsi-a,pk"]),
    ("index:gsi-a,pk,omitempty", ["index:gsi-a,pk,", "omitempty"]),
    ("index:gsi-a,omitempty", ["index:gsi-a,", "omitempty"]),
    ("index:gsi-a,sk,attr:foo", ["index:gsi-a,", "sk", "attr:foo"]),
    ("index:gsi-a,pk,index:gsi-b,sk", ["index:gsi-a,", "pk", "index:gsi-b,sk"]),
    ("index:gsi-a,sk,naming:snake_case", ["index:gsi-a,", "sk", "naming:snake_case"]),
    ("lsi:lsi-a", ["lsi:lsi-a"]),
    ("lsi:lsi-a,omitempty", ["lsi:lsi-a,", "omitempty"]),
    ("sk,index:gsi-a,pk", ["sk", "index:gsi-a,pk"]),
    ("index:gsi-a,sparse,pk", ["index:gsi-a,sparse,pk"]),
    ("index:g,pk,sk", ["index:g,pk,sk"]),
    ("attr:x,index:g", ["attr:x", "index:g"]),
    ("index:g, pk , omitempty", ["index:g, pk ,", " omitempty"]),
    ("index:g,,pk", ["index:g,,pk"]),
    ("index:g,unknown", ["index:g,unknown"]),
    ("lsi:l,sk,version", ["lsi:l,sk,", "version"]),
    ("index:g,pk,lsi:l", ["index:g,", "pk", "lsi:l"]),
    ("omitempty,lsi:l", ["omitempty", "lsi:l"]),
    ("index:a,index:b", ["index:a,", "index:b"]),
]


@pytest.mark.parametrize(("tag", "expected"), GO_V1_0_36)
def test_split_matches_dynamorm_v1_0_36(tag: str, expected: list[str]) -> None:
    assert split_tags_before_v1_0_37(tag) == expected


def test_meanings_that_changed_in_v1_0_37() -> None:
    # An index clause followed by another tag kept its comma: no default pk before v1.0.37.
    old = parse_dynamorm_tag("index:gsi-a,omitempty", before_v1_0_37=True)
    new = parse_dynamorm_tag("index:gsi-a,omitempty")
    assert [(r.name, r.is_pk) for r in old.indexes] == [("gsi-a", False)] and old.omitempty
    assert [(r.name, r.is_pk) for r in new.indexes] == [("gsi-a", True)] and new.omitempty
    # pk after an index clause became the table's pk when a ':' came anywhere later.
    old = parse_dynamorm_tag("index:gsi-a,pk,index:gsi-b,sk", before_v1_0_37=True)
    assert old.pk and [(r.name, r.is_pk, r.is_sk) for r in old.indexes] == [("gsi-a", False, False),
                                                                            ("gsi-b", False, True)]
    new = parse_dynamorm_tag("index:gsi-a,pk,index:gsi-b,sk")
    assert not new.pk and [(r.name, r.is_pk) for r in new.indexes] == [("gsi-a", True), ("gsi-b", False)]
    # lsi:NAME followed by another tag: an empty modifier, which DynamORM refused.
    old = parse_dynamorm_tag("lsi:lsi-a,omitempty", before_v1_0_37=True)
    assert [(p.code, p.severity) for p in old.problems] == [("DM104", "error")]
    assert not parse_dynamorm_tag("lsi:lsi-a,omitempty").problems


def test_tags_both_versions_agree_on_are_unchanged() -> None:
    for tag in ("pk", "sk,omitempty", "index:g,pk", "index:g,pk,sk", "attr:x,index:g", "ttl", "sk,index:gsi-a,pk"):
        assert parse_dynamorm_tag(tag, before_v1_0_37=True) == parse_dynamorm_tag(tag), tag
        assert split_tags(tag) == [p.strip() for p in split_tags_before_v1_0_37(tag)], tag


MODEL = '''
package models

type Order struct {
\tTenantID string `dynamorm:"pk"`
\tOrderID  string `dynamorm:"sk"`
\tStatus   string `dynamorm:"index:gsi-status,omitempty"`
\tDay      string `dynamorm:"index:gsi-day,pk"`
}

func (Order) TableName() string { return "orders" }
'''


def test_a_module_on_v1_0_36_is_read_with_the_old_split(tmp_path: Path) -> None:
    new = go_project(tmp_path / "new", {"models/order.go": MODEL}, version="v1.0.37")
    (model,) = new.models
    assert {i.name: i.partition.name for i in model.indexes} == {"gsi-status": "status", "gsi-day": "day"}
    assert all(d.code != "DM111" for d in new.diagnostics)
    # Before v1.0.37 Status has no key role in gsi-status: that index has no partition key, and
    # DynamORM v1.0.36 refuses the model, as we do; DM111 says why the upgrade changes it.
    old = go_project(tmp_path / "old", {"models/order.go": MODEL}, version="v1.0.36")
    assert not old.models
    found = {(d.code, d.severity, d.field): d.message for d in old.diagnostics}
    assert found[("DM405", "error", None)] == "missing partition key for index gsi-status"
    assert found[("DM111", "warning", "Status")] == (
        "DynamORM v1.0.36 reads this tag as index gsi-status (no key), omitempty; "
        "from v1.0.37 on it is index gsi-status (pk), omitempty"
    )
