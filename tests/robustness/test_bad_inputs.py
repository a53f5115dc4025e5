"""A corpus of bad inputs: each gives a clear message, the right exit code, no traceback and
no partial writes (the project tree is unchanged afterwards unless the case says otherwise)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftcli.cli import lift_group
from tests.helpers import write_tree

GO_MOD = "module example.com/x\n\ngo 1.25\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n"


def go(body: str, *, imports: str = "") -> dict[str, str]:
    header = "package models\n\n" + (f"import {imports}\n\n" if imports else "")
    return {"go.mod": GO_MOD, "models/m.go": header + body}


def tagged(tag: str, typ: str = "string", extra: str = "") -> dict[str, str]:
    return go(f'type Thing struct {{\n\tID string `dynamorm:"pk"`\n\tF {typ} `dynamorm:"{tag}"`\n{extra}}}\n',
              imports='"time"\n\nvar _ time.Time' if "time." in typ else "")


def dms(text: str) -> dict[str, str]:
    return {"models.dms.yml": text}


def config(text: str, models: dict[str, str] | None = None) -> dict[str, str]:
    return {"lift.yaml": text, **(models or {"go.mod": GO_MOD, "models/ok.go": OK_MODEL})}


OK_MODEL = 'package models\n\ntype Ok struct {\n\tID string `dynamorm:"pk"`\n}\n\nfunc (Ok) TableName() string { return "oks" }\n'
DMS_HEAD = 'dms_version: "0.1"\nmodels:\n  - name: A\n    table: {name: tab}\n'


@dataclass
class Case:
    id: str
    files: dict[str, str]
    args: list[str]
    exit_code: int
    expect: str  # substring of stderr (or stdout for inspect diagnostics lines on stderr)
    writes: tuple[str, ...] = field(default_factory=tuple)  # paths a failing run may create


INSPECT = ["inspect"]
CASES = [
    # --- broken Go
    Case("go-unclosed-struct", go("type T struct {\n\tID string `dynamorm:\"pk\"`\n"), INSPECT, 1, "DM901"),
    Case("go-garbage", go("this is not go at all `dynamorm:\"pk\"` }}}"), INSPECT, 1, "DM901"),
    Case("go-bad-field", go("type T struct {\n\tID string `dynamorm:\"pk\"`\n\tX int =\n}\n"), INSPECT, 1,
         "DM901"),
    Case("go-binary-file", {"go.mod": GO_MOD, "models/b.go": "\x00\x01dynamorm:\"pk\"\xff"}, INSPECT, 1, "DM901"),
    Case("go-unterminated-tag", go("type T struct {\n\tID string `dynamorm:\"pk\"\n}\n"), INSPECT, 1, "DM901"),
    # --- every invalid tag form
    Case("tag-required", tagged("required"), INSPECT, 1, "unknown tag 'required'"),
    Case("tag-unique", tagged("unique"), INSPECT, 1, "unknown tag 'unique'"),
    Case("tag-upper-PK", tagged("PK"), INSPECT, 1, "unknown tag 'PK'"),
    Case("tag-dash-omitempty", tagged("-,omitempty"), INSPECT, 1, "unknown tag '-'"),
    Case("tag-colon-first", tagged(":x"), INSPECT, 1, "unknown tag ':x'"),
    Case("tag-lsi-pk", tagged("lsi:lsi-a,pk"), INSPECT, 1, "unknown lsi tag modifier 'pk'"),
    Case("tag-attr-snake-in-camel", tagged("attr:full_name"), INSPECT, 1, "must be camelCase"),
    Case("tag-attr-empty", tagged("attr:"), INSPECT, 1, "attribute name cannot be empty"),
    Case("tag-attr-upper", tagged("attr:GSI1PK"), INSPECT, 1, "must be camelCase"),
    Case("tag-ttl-time", tagged("ttl", "time.Time"), INSPECT, 1, "ttl field must be int64 or uint64"),
    Case("tag-ttl-int", tagged("ttl", "int"), INSPECT, 1, "ttl field must be int64 or uint64"),
    Case("tag-version-string", tagged("version"), INSPECT, 1, "version field must be numeric"),
    Case("tag-set-string", tagged("set"), INSPECT, 1, "set tag can only be used on slice types"),
    Case("tag-created-string", tagged("created_at"), INSPECT, 1, "must be time.Time"),
    Case("tag-encrypted-key", tagged("sk,encrypted"), INSPECT, 1, "encrypted fields cannot be used"),
    Case("tag-second-pk", tagged("pk"), INSPECT, 1, "duplicate primary key definition"),
    Case("tag-gsi-sort-only", tagged("index:gsi-a,sk"), INSPECT, 1, "missing partition key for index gsi-a"),
    Case("tag-index-empty-name", tagged("index:"), INSPECT, 1, "empty index name"),
    Case("tag-index-bad-name", tagged("index:a b!"), INSPECT, 1, "invalid index name"),
    Case("tag-lsi-without-table-sk", tagged("lsi:lsi-a"), INSPECT, 1, "needs a table sort key"),
    Case("tag-same-field-both-index-keys", tagged("index:gsi-a,pk,sk"), INSPECT, 1, "both partition and sort key"),
    Case("tag-unknown-kv-warning", tagged("prefix:x"), INSPECT, 0, "silently ignored"),
    Case("tag-malformed-struct-tag", go("type T struct {\n\tID string `dynamorm: \"pk\"`\n}\n"), INSPECT, 0,
         "DM110"),
    Case("model-no-pk", go("type T struct {\n\tName string `dynamorm:\"omitempty\"`\n}\n"), INSPECT, 1,
         "missing primary key"),
    Case("model-table-name-too-short", go("type A struct {\n\tID string `dynamorm:\"pk\"`\n}\n"), INSPECT, 1,
         "not a valid DynamoDB table name"),
    # --- broken and hostile YAML config
    Case("config-syntax", config("dynamorm:\n  models: [x\n"), INSPECT, 1, "lift.yaml:3: invalid YAML"),
    Case("config-tabs", config("dynamorm:\n\tmodels: [x]\n"), INSPECT, 1, "invalid YAML"),
    Case("config-python-tag", config("dynamorm:\n  x: !!python/object/apply:os.system [id]\n"), INSPECT, 1,
         "could not determine a constructor"),
    Case("config-alias-bomb", config("a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                                     "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                                     "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"),
         INSPECT, 1, "alias bomb"),
    Case("config-duplicate-key", config("dynamorm:\n  tag: dynamorm\n  tag: theorydb\n"), INSPECT, 1,
         "duplicate key 'tag'"),
    Case("config-unknown-key", config("dynamorm:\n  modles: [x]\n"), INSPECT, 1, "did you mean 'models'"),
    Case("config-unknown-nested", config("dynamorm:\n  local:\n    prot: 1\n"), INSPECT, 1, "did you mean 'port'"),
    Case("config-wrong-type-list", config("dynamorm:\n  models: {a: 1}\n"), INSPECT, 1, "expected a list of strings"),
    Case("config-wrong-type-bool", config("dynamorm:\n  environments:\n    dev: {protected: maybe}\n"), INSPECT,
         1, "expected true or false"),
    Case("config-wrong-choice", config("dynamorm:\n  naming: kebab\n"), INSPECT, 1, "expected one of auto"),
    Case("config-port-range", config("dynamorm:\n  local:\n    port: -1\n"), INSPECT, 1, "must be at least 0"),
    Case("config-block-not-map", config("dynamorm: 5\n"), INSPECT, 1, "expected a mapping"),
    Case("config-top-list", config("- 1\n"), INSPECT, 1, "expected a mapping at the top level"),
    Case("config-bad-encoding", {"lift.yaml": "\udcff"}, INSPECT, 1, "cannot read config file"),
    Case("config-control-char", config("dynamorm:\n  tag: \x07\n"), INSPECT, 1, "invalid YAML"),
    Case("config-unknown-env", config("dynamorm:\n  environments:\n    dev: {}\n"), [*INSPECT, "--env", "prod"], 1,
         "unknown environment 'prod'"),
    Case("config-bad-template", config("dynamorm:\n  tables:\n    template: '{nope}'\n",
                                       go('type Invoice struct {\n\tID string `dynamorm:"pk"`\n}\n\n'
                                          'func (Invoice) TableName() string { return os.Getenv("T") }\n',
                                          imports='"os"')), INSPECT, 1, "bad table template"),
    Case("config-missing-file", {}, [*INSPECT, "--config", "nope.yaml"], 1, "config file not found"),
    # --- broken and hostile DMS
    Case("dms-float-version", dms("dms_version: 0.1\nmodels: []\n"), INSPECT, 1, 'write dms_version: "0.1"'),
    Case("dms-wrong-version", dms('dms_version: "9"\nmodels: []\n'), INSPECT, 1, "unsupported dms_version"),
    Case("dms-no-models", dms('dms_version: "0.1"\n'), INSPECT, 1, "non-empty models"),
    Case("dms-anchor", dms('dms_version: "0.1"\nx: &a 1\nmodels: [*a]\n'), INSPECT, 1, "anchor"),
    Case("dms-timestamp", dms('dms_version: "0.1"\nat: 2020-01-01\nmodels: []\n'), INSPECT, 1, "YAML timestamp"),
    Case("dms-python-tag", dms('dms_version: "0.1"\nmodels: !!python/name:os.system\n'), INSPECT, 1, "tag"),
    Case("dms-bad-key-type", dms(DMS_HEAD + "    keys: {partition: {attribute: id, type: BOOL}}\n"
                                 "    attributes: [{attribute: id, type: BOOL}]\n"), INSPECT, 1, "must be S, N or B"),
    Case("dms-missing-key-attr", dms(DMS_HEAD + "    keys: {partition: {attribute: id, type: S}}\n"
                                     "    attributes: [{attribute: x, type: S}]\n"), INSPECT, 1,
         "missing partition key attribute id"),
    Case("dms-bad-projection", dms(DMS_HEAD + "    keys: {partition: {attribute: id, type: S}}\n"
                                   "    attributes: [{attribute: id, type: S}, {attribute: g, type: S}]\n"
                                   "    indexes: [{name: gi, type: GSI, partition: {attribute: g, type: S}, "
                                   "projection: {type: SOME}}]\n"), INSPECT, 1, "must be ALL, KEYS_ONLY or INCLUDE"),
    Case("dms-not-yaml", dms('dms_version: "0.1"\nmodels: [\n'), INSPECT, 1, "invalid YAML"),
    Case("dms-nan", dms('dms_version: "0.1"\nx: .nan\nmodels: []\n'), INSPECT, 1, "non-finite"),
    # --- paths and commands
    Case("models-path-missing", {}, [*INSPECT, "--models", "nowhere"], 1, "models path not found: nowhere"),
    Case("models-path-not-source", {"notes.txt": "x"}, [*INSPECT, "--models", "notes.txt"], 1, "not a model source"),
    Case("unknown-model", config("dynamorm:\n  models: [models]\n"), [*INSPECT, "Nope"], 1, "no model named 'Nope'"),
    Case("bad-format", {}, [*INSPECT, "--format", "xml"], 2, "Invalid value for '--format'"),
    Case("unreachable-endpoint", config("dynamorm:\n  models: [models]\n"),
         ["validate", "--endpoint-url", "http://127.0.0.1:9"], 1, "Could not connect"),
    Case("template-missing", config("dynamorm:\n  models: [models]\n"),
         ["validate", "--against-template", "nope.yaml"], 1, "template not found"),
    Case("template-not-cfn", {**config("dynamorm:\n  models: [models]\n"), "t.yaml": "a: 1\n"},
         ["validate", "--against-template", "t.yaml"], 1, "no Resources section"),
    Case("deploy-check-without-template", config("dynamorm:\n  models: [models]\n"),
         ["validate", "--deploy-check"], 2, "--deploy-check needs --against-template"),
]


def snapshot(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, project: Path) -> None:
    for rel, content in case.files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if "\udcff" in content:
            path.write_bytes(b"\xff\xfe\x00bad")
        else:
            path.write_text(content, encoding="utf-8")
    before = snapshot(project)
    result = CliRunner().invoke(lift_group, ["dynamorm", *case.args], prog_name="lift")
    assert result.exit_code == case.exit_code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    if case.exit_code == 2:
        assert case.expect in result.stderr
    else:
        assert case.expect in result.stderr + result.stdout, result.output
    if case.exit_code not in (0, 3):
        assert result.stderr.strip(), "a failure must say why"
    after = snapshot(project)
    created = set(after) - set(before)
    assert created <= set(case.writes), f"unexpected files written: {sorted(created)}"
    assert {k: v for k, v in after.items() if k in before} == before, "existing files were changed"


def test_unwritable_migrations_directory(project: Path) -> None:
    """generate-migration into a read-only directory: a clear error and nothing half-written."""
    if os.geteuid() == 0:
        # root ignores directory permissions; use a path below a regular file instead
        write_tree(project, {"go.mod": GO_MOD, "models/ok.go": OK_MODEL, "blocker": "x"})
        target = "blocker/migrations"
    else:  # pragma: no cover - CI runs as root
        write_tree(project, {"go.mod": GO_MOD, "models/ok.go": OK_MODEL})
        (project / "ro").mkdir(mode=0o500)
        target = "ro"
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        result = CliRunner().invoke(lift_group, ["dynamorm", "generate-migration", "--endpoint-url",
                                                 f"http://{host}:{port}", "-o", target])
    finally:
        server.stop()
    assert result.exit_code == 1, result.output
    assert "cannot write" in result.stderr and "Traceback" not in result.output
    assert not list(project.rglob("*.yaml")) and not list(project.rglob(".migration-*"))
