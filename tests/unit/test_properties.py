"""Property tests: the parsers never crash, whatever they are fed."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liftcli.config import validate_block
from liftcli.dynamorm import naming
from liftcli.dynamorm.dms import parse_dms
from liftcli.dynamorm.goparse import parse_go_source
from liftcli.dynamorm.tags import lookup_struct_tag, parse_dynamorm_tag, split_tags
from liftcli.errors import ConfigError
from liftcli.yamlsafe import load_yaml_with_lines

EXAMPLES = int(os.environ.get("LIFT_HYPOTHESIS_EXAMPLES", "300"))
PROFILE = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = st.sampled_from(
    ["pk", "sk", "index:gsi-a", "index:", "lsi:lsi-x", "lsi:", "attr:x", "attr:", "naming:snake_case", "version",
     "ttl", "set", "omitempty", "sparse", "encrypted:pci", "-", "", " ", "required", ":x", "a:b:c", "project:ALL"]
)
tag_strings = st.one_of(st.text(max_size=80), st.lists(TOKENS, max_size=10).map(",".join))


@PROFILE
@given(tag_strings)
def test_tag_parser_never_crashes(tag: str) -> None:
    parsed = parse_dynamorm_tag(tag)
    assert all(p.severity in ("error", "warning") for p in parsed.problems)
    assert all(part.strip() == part and part for part in split_tags(tag))


@PROFILE
@given(st.text(max_size=120), st.sampled_from(["dynamorm", "json", "theorydb"]))
def test_struct_tag_lookup_never_crashes(raw: str, key: str) -> None:
    value = lookup_struct_tag(raw, key)
    assert value is None or isinstance(value, str)


@PROFILE
@given(st.one_of(st.text(max_size=60), st.text(alphabet='ab:" \\,dynamorm\x01\t', max_size=40)),
       st.sampled_from(["dynamorm", "a"]))
def test_struct_tag_fast_path_agrees_with_go_port(raw: str, key: str) -> None:
    from liftcli.dynamorm.tags import _lookup_slow

    assert lookup_struct_tag(raw, key) == _lookup_slow(raw, key)


@PROFILE
@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=30))
def test_naming_functions_are_total_and_valid_for_identifiers(name: str) -> None:
    camel = naming.default_attr_name(name)
    snake = naming.to_snake_case(name)
    old = naming.to_snake_case_v1_0(name)
    assert len(camel) == len(name)
    assert snake.replace("_", "") == naming._lower(name)  # the alphabet has no "_"
    assert isinstance(old, str)
    assert naming.validate_attr_name(naming.suggest_valid_name(name, "camelCase"), "camelCase") is None
    assert naming.validate_attr_name(naming.suggest_valid_name(name, "snake_case"), "snake_case") is None


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=20,
)
CONFIG_KEYS = st.sampled_from(["models", "tag", "naming", "environments", "local", "tables", "validate", "modles",
                               "default_env", "test", "exclude"])


@PROFILE
@given(st.dictionaries(CONFIG_KEYS, yaml_values, max_size=5))
def test_config_validation_never_crashes(block: dict[str, object]) -> None:
    try:
        data = validate_block(block, source="lift.yaml")
    except ConfigError as exc:
        assert str(exc).startswith("lift.yaml")
    else:
        assert set(data) >= {"models", "tag", "environments"}


@PROFILE
@given(st.text(max_size=200))
def test_yaml_loader_never_crashes(text: str) -> None:
    try:
        load_yaml_with_lines(text, "lift.yaml")
    except ConfigError as exc:
        assert exc.path == "lift.yaml"


dms_documents = st.fixed_dictionaries(
    {"dms_version": st.sampled_from(["0.1", 0.1, "0.2", None]),
     "models": st.lists(st.dictionaries(st.sampled_from(["name", "table", "keys", "attributes", "indexes",
                                                         "naming"]), yaml_values, max_size=6), max_size=3)}
)


@PROFILE
@given(st.one_of(dms_documents.map(lambda d: yaml.safe_dump(d)), st.text(max_size=200)))
def test_dms_reader_never_crashes(text: str) -> None:
    models, diags = parse_dms(text, "m.yml")
    assert all(d.path == "m.yml" for d in diags)
    assert isinstance(models, list)


GO_PIECES = st.sampled_from(
    ["package m\n", "type A struct {", "}", "ID string `dynamorm:\"pk\"`", "\n", "func (A) TableName() string {",
     "return \"x\"", "return os.Getenv(\"X\")", "import \"os\"", "B, C int", "*Base", "`", "\"", "{", "(", ")"]
)


@PROFILE
@given(st.one_of(st.lists(GO_PIECES, max_size=30).map(" ".join), st.binary(max_size=200)))
def test_go_parser_never_crashes(source: str | bytes) -> None:
    data = source.encode() if isinstance(source, str) else source
    parsed = parse_go_source(data, "m.go")
    assert parsed.path == "m.go"


@settings(max_examples=max(EXAMPLES // 10, 20), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(GO_PIECES, max_size=30).map(" ".join))
def test_model_loading_never_crashes(tmp_path: Path, source: str) -> None:
    from liftcli.config import Overrides, load_config, resolve_settings
    from liftcli.dynamorm.project import load_project

    (tmp_path / "m.go").write_text(source)
    settings_ = resolve_settings(load_config(cwd=tmp_path), Overrides(), {})
    project = load_project(settings_, cwd=tmp_path)
    assert all(d.code.startswith("DM") for d in project.diagnostics)
