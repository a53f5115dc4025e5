"""The shortcuts that keep loading large trees fast give exactly the answers of the plain path."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from liftcli.config import Overrides
from liftcli.dynamorm.gomodel import TagReader
from liftcli.dynamorm.goparse import parse_go_source
from liftcli.dynamorm.project import _display
from liftcli.dynamorm.tags import lookup_struct_tag, parse_dynamorm_tag
from liftcli.errors import ModelError
from tests.helpers import codes, go_project, model

HEADER = 'package models\n\nimport (\n\t"os"\n\t"time"\n)\n\nvar _ = os.Getenv\nvar _ time.Time\n\n'

TAGS = [
    'dynamorm:"pk"',
    'dynamorm:"pk" json:"id"',
    'json:"id"',
    'dynamorm:"sk,index:gsi-a,pk"',
    'dynamorm:"index:gsi-a,sk,pk"',
    'dynamorm:"pk,required"',
    'dynamorm: "pk"',  # malformed: reflect sees no tag
    'dynamorm:"\\x70k"',  # an escape: the slow, exact path
    'theorydb:"pk"',
    "",
]


@pytest.mark.parametrize("key", ["dynamorm", "theorydb"])
def test_tag_reader_answers_like_the_tag_functions(key: str) -> None:
    reader = TagReader(key)
    for _ in range(2):  # the second round is answered from the memo
        for tag in TAGS:
            value = reader.value(tag)
            assert value == lookup_struct_tag(tag, key)
            assert reader.parsed(value) == parse_dynamorm_tag(value)
    assert reader.value(None) is None
    assert reader.parsed(None) == parse_dynamorm_tag(None)
    assert reader.parsed("pk") is reader.parsed("pk")


def test_repeated_tags_still_report_every_field(tmp_path: Path) -> None:
    # Memoised tag problems must still become one diagnostic per field and model.
    source = HEADER + "".join(
        f'type M{i} struct {{\n    ID string `dynamorm:"pk,required"`\n'
        f'    K  string `dynamorm:"index:gsi-k,sk,pk"`\n}}\n\n'
        for i in range(3)
    )
    project = go_project(tmp_path, source)
    found = sorted((d.code, d.model, d.line) for d in project.diagnostics if d.code in ("DM101", "DM106"))
    expected = [("DM101", f"M{i}", 12 + 5 * i) for i in range(3)]
    expected += [("DM106", f"M{i}", 13 + 5 * i) for i in range(3)]
    assert found == sorted(expected)


def test_table_name_bodies_are_read_in_source_order() -> None:
    source = b'''package models

import "os"

type A struct{}

func (A) TableName() string {
    helper := func() string { return os.Getenv("INNER") }
    if v := os.Getenv("OUTER"); v != "" {
        return v
    }
    _ = helper
    return "fallback"
}

func (A) Other() string { return os.Getenv("IGNORED") }
'''
    go_file = parse_go_source(source, "models/a.go")
    table, other = go_file.methods
    assert table.env_calls == ("INNER", "OUTER")
    assert [(r.kind, r.value) for r in table.returns] == [("const", "v"), ("literal", "fallback")]
    assert (other.name, other.returns, other.env_calls) == ("Other", (), ())


def test_returned_getenv_call_is_both_return_and_env_call() -> None:
    source = b'package m\nimport "os"\nfunc (A) TableName() string { return os.Getenv("T") }\n'
    (method,) = parse_go_source(source, "m.go").methods
    assert [(r.kind, r.value) for r in method.returns] == [("env", "T")]
    assert method.env_calls == ("T",)


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    was = gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        gc.enable() if enabled else gc.disable()
        source = HEADER + 'type A struct {\n    ID string `dynamorm:"pk"`\n}\n'
        project = go_project(tmp_path, source)
        assert [m.name for m in project.models] == ["A"]
        assert gc.isenabled() is enabled
        assert gc.get_freeze_count() == frozen
        with pytest.raises(ModelError):  # the collector comes back when loading fails too
            go_project(tmp_path, source, names=("Nope",))
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_explicitly_named_test_file_joins_its_package(tmp_path: Path) -> None:
    model_src = HEADER + 'type Acct struct {\n    ID string `dynamorm:"pk"`\n}\n'
    project = go_project(
        tmp_path,
        {"models/a.go": model_src, "models/b_test.go": model_src.replace("type Acct", "type Bill")},
        overrides=Overrides(models=("models/a.go", "models/b_test.go")),
    )
    assert [m.name for m in project.models] == ["Acct", "Bill"]
    assert model(project, "Bill").location.path == "models/b_test.go"
    assert codes(project, "error") == []


def test_select_with_overlapping_patterns_keeps_the_first_match_once(tmp_path: Path) -> None:
    model_src = 'type {} struct {{\n    ID string `dynamorm:"pk"`\n}}\n\n'
    source = HEADER + "".join(model_src.format(name) for name in ("Order", "OrderLine", "User"))
    project = go_project(tmp_path, source)
    chosen = project.select(["OrderLine", "Order*", "*"])
    assert [m.name for m in chosen.models] == ["OrderLine", "Order", "User"]


@pytest.mark.skipif(os.sep != "/", reason="POSIX paths")
@pytest.mark.parametrize(
    ("path", "cwd", "shown"),
    [
        ("/p/models/a.go", "/p", "models/a.go"),
        ("/p", "/p", "."),
        ("/p/./models//a.go", "/p/", "models/a.go"),
        ("/p/x/../models/a.go", "/p", "models/a.go"),
        ("/q/a.go", "/p", "/q/a.go"),
        ("/pq/a.go", "/p", "/pq/a.go"),
        ("/a.go", "/", "a.go"),
        ("/", "//", "."),  # POSIX keeps a leading double slash; Path('').as_posix() is '.'
    ],
)
def test_display_paths(path: str, cwd: str, shown: str) -> None:
    assert _display(Path(path), Path(cwd)) == shown
    assert _display(Path(path), Path(cwd)) == _display_with_pathlib(Path(path), Path(cwd))


def _display_with_pathlib(path: Path, cwd: Path) -> str:
    """The former implementation of ``_display``, kept as the reference."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(cwd)
    if absolute == base:
        return "."
    if absolute.startswith(base.rstrip(os.sep) + os.sep):
        return Path(absolute[len(base.rstrip(os.sep)) + 1 :]).as_posix()
    return Path(absolute).as_posix()

