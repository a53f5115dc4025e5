"""lift.yaml loading, validation and precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftcli.config import Overrides, load_config, resolve_settings
from liftcli.errors import ConfigError
from tests.helpers import write_tree


def load(root: Path, text: str):  # type: ignore[no-untyped-def]
    write_tree(root, {"lift.yaml": text})
    return load_config(cwd=root)


def test_no_lift_yaml_uses_defaults(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    assert config.path is None and config.root == tmp_path.resolve()
    assert config.data["models"] == ["."] and config.data["tag"] == "dynamorm" and config.data["naming"] == "auto"
    assert config.where("models") == "default"


def test_found_by_walking_up_and_other_keys_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, {"lift.yaml": "version: 1\napp:\n  name: billing\ndynamorm:\n  models: [models]\n"})
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    config = load_config(cwd=deep)
    assert config.path == (tmp_path / "lift.yaml").resolve()
    assert config.root == tmp_path.resolve()
    assert config.data["models"] == ["models"]
    assert config.app_name == "billing"
    assert config.lift["version"] == 1
    assert config.where("models").endswith("lift.yaml:5")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("dynamorm:\n  modles: [x]\n", 2, "unknown key 'modles' (did you mean 'models'?)"),
        ("dynamorm:\n  environments:\n    dev:\n      regoin: us-east-1\n", 4,
         "dynamorm.environments.dev.regoin: unknown key 'regoin' (did you mean 'region'?)"),
        ("dynamorm:\n  tag: dynamodb\n", 2, "expected one of dynamorm, theorydb; got 'dynamodb' (did you mean 'dynamorm'?)"),
        ("dynamorm:\n  local:\n    port: eighty\n", 3, "dynamorm.local.port: expected a whole number"),
        ("dynamorm:\n  local:\n    port: 70000\n", 3, "must be at most 65535"),
        ("dynamorm:\n  environments:\n    live:\n      protected: 'yes'\n", 4, "expected true or false"),
        ("dynamorm:\n  models: {a: b}\n", 2, "expected a list of strings"),
        ("dynamorm: [1, 2]\n", 1, "dynamorm: expected a mapping"),
        ("dynamorm:\n  models: [x]\n  models: [y]\n", 3, "duplicate key 'models'"),
        ("dynamorm:\n  models: [x\n", 3, "invalid YAML"),
        ("dynamorm:\n  x: !!python/object/apply:os.system [ls]\n", 2, "invalid YAML: could not determine a constructor"),
        ("- a\n- b\n", 1, "expected a mapping at the top level"),
        ("dynamorm:\n  tables:\n    names:\n      Invoice: [a]\n", 4, "dynamorm.tables.names.Invoice: expected a string"),
    ],
)
def test_bad_values_name_file_line_and_path(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert message.startswith(f"lift.yaml:{line}: "), message
    assert fragment in message
    assert caught.value.hint is None or isinstance(caught.value.hint, str)


def test_explicit_config_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml", cwd=tmp_path)


def test_unreadable_config(tmp_path: Path) -> None:
    (tmp_path / "lift.yaml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(cwd=tmp_path)


CONFIG = """
dynamorm:
  default_env: dev
  models: [models]
  environments:
    dev:
      region: eu-west-1
      profile: dev-profile
      endpoint_url: http://127.0.0.1:8000
    live:
      region: us-east-2
"""


def test_precedence_flag_env_file_default(tmp_path: Path) -> None:
    config = load(tmp_path, CONFIG)
    # lift.yaml
    s = resolve_settings(config, Overrides(), {})
    assert (s.env_name, s.region, s.profile, s.endpoint_url) == ("dev", "eu-west-1", "dev-profile",
                                                                  "http://127.0.0.1:8000")
    assert s.sources["region"].endswith("lift.yaml:6") or "lift.yaml" in s.sources["region"]
    # environment variables beat the file
    environ = {"AWS_REGION": "ap-south-1", "AWS_PROFILE": "p2", "AWS_ENDPOINT_URL_DYNAMODB": "http://x:1",
               "LIFT_ENV": "live", "LIFT_DYNAMORM_MODELS": "a:b"}
    s = resolve_settings(config, Overrides(), environ)
    assert (s.env_name, s.region, s.profile, s.endpoint_url) == ("live", "ap-south-1", "p2", "http://x:1")
    assert s.model_paths == ("a", "b")
    assert s.sources["region"] == "environment variable AWS_REGION"
    # flags beat everything
    s = resolve_settings(config, Overrides(env="dev", region="us-west-2", profile="f", endpoint_url="http://f:2",
                                           models=("m",)), environ)
    assert (s.env_name, s.region, s.profile, s.endpoint_url, s.model_paths) == ("dev", "us-west-2", "f",
                                                                                 "http://f:2", ("m",))
    assert s.sources["region"] == "command line"


def test_aws_endpoint_url_is_the_last_fallback(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    s = resolve_settings(config, Overrides(), {"AWS_ENDPOINT_URL": "http://generic:1"})
    assert s.endpoint_url == "http://generic:1"
    s = resolve_settings(config, Overrides(), {"AWS_ENDPOINT_URL": "http://generic:1",
                                               "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb:2"})
    assert s.endpoint_url == "http://ddb:2"
    s = resolve_settings(config, Overrides(), {"AWS_DEFAULT_REGION": "eu-north-1"})
    assert s.region == "eu-north-1"


def test_unknown_environment_suggests(tmp_path: Path) -> None:
    config = load(tmp_path, CONFIG)
    with pytest.raises(ConfigError, match=r"unknown environment 'liv' \(did you mean 'live'\?\); defined: dev, live"):
        resolve_settings(config, Overrides(env="liv"), {})
