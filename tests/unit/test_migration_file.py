from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from liftcli.dynamorm.migration_file import (
    MARKER,
    desired_hash,
    load_migration,
    migration_filename,
    migration_files,
    next_migration_id,
    read_migration,
    render_migration,
    slugify,
)
from liftcli.dynamorm.model import Index, KeyAttribute
from liftcli.dynamorm.ops import ChangeTtl, CreateGlobalIndex
from liftcli.dynamorm.plan import Plan, plan
from liftcli.dynamorm.spec import TableSpec
from liftcli.errors import MigrationError

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
USERS = TableSpec(
    "Users", KeyAttribute("id", "S"), gsis=(Index("byEmail", "GSI", KeyAttribute("email", "S")),)
)
ORDERS = TableSpec("Orders", KeyAttribute("pk", "S"))
PLAN = plan(
    [CreateGlobalIndex("Users", USERS.gsis[0]), ChangeTtl("Orders", "exp", "expiresAt")],
    now=NOW,
    actual={"Users": TableSpec("Users", KeyAttribute("id", "S")), "Orders": ORDERS},
)


def render(result: Plan = PLAN, **kw: object) -> str:
    args: dict[str, object] = {
        "migration_id": "0002",
        "name": "add byEmail",
        "created_at": NOW,
        "desired_specs": {"Users": USERS, "Orders": ORDERS},
        "environment": "prod",
        "lift_version": "9.9.9",
    }
    args.update(kw)
    return render_migration(result, **args)  # type: ignore[arg-type]


def test_render_then_load_gives_back_the_plan_and_header() -> None:
    text = render()
    loaded = load_migration(text, source="0002_add-byemail.yaml")
    assert loaded.plan == PLAN
    assert (loaded.id, loaded.name, loaded.environment, loaded.lift_version) == (
        "0002",
        "add byEmail",
        "prod",
        "9.9.9",
    )
    assert loaded.created_at == NOW
    assert loaded.desired_hash == desired_hash({"Users": USERS, "Orders": ORDERS})
    assert loaded.checksum.startswith("sha256:")


def test_document_starts_with_the_review_marker_and_a_step_summary() -> None:
    lines = render().splitlines()
    assert lines[0] == f"# {MARKER}"
    assert lines[1] == "# migration 0002: add byEmail (environment prod)"
    summary = [line for line in lines if line.startswith("# 00")]
    assert summary == [
        "# 001 [rate-limited] disable TTL on Orders (exp) (DDB104)",
        "# 002 [rate-limited] enable TTL on Orders (expiresAt) (DDB104)",
        "# 003 [in-place] create GSI byEmail on Users",
    ]


def test_output_is_deterministic_and_keys_are_sorted() -> None:
    assert render() == render()
    body = [line for line in render().splitlines() if line and not line.startswith(("#", " ", "-"))]
    keys = [line.split(":", 1)[0] for line in body]
    assert keys == sorted(keys)
    assert "'0002'" in render()  # the id stays a string, not the number 2


def test_desired_hash_ignores_mapping_order_but_not_content() -> None:
    assert desired_hash({"Users": USERS, "Orders": ORDERS}) == desired_hash(
        {"Orders": ORDERS, "Users": USERS}
    )
    assert desired_hash({"Users": USERS}) != desired_hash({"Users": USERS.with_name("Users2")})


def test_a_modified_file_is_refused() -> None:
    text = render()
    tampered = text.replace("AttributeName: expiresAt", "AttributeName: expires", 1)
    assert tampered != text
    with pytest.raises(MigrationError, match="checksum mismatch: the file was modified") as info:
        load_migration(tampered, source="m.yaml")
    assert info.value.hint is not None and "generate-migration" in info.value.hint
    # A header field counts too.
    with pytest.raises(MigrationError, match="checksum mismatch"):
        load_migration(text.replace("environment: prod", "environment: dev"))


def test_comments_are_not_part_of_the_checksum() -> None:
    text = render().replace("# migration 0002", "# reviewed by ana: migration 0002")
    assert load_migration(text).plan == PLAN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [", "invalid YAML"),
        ("- 1\n- 2\n", "not a lift migration \\(expected a mapping\\)"),
        ("id: '0001'\n", "missing checksum, created_at"),
    ],
)
def test_malformed_documents(text: str, message: str) -> None:
    with pytest.raises(MigrationError, match=message):
        load_migration(text, source="m.yaml")


def test_wrong_types_and_future_formats_are_refused() -> None:
    text = render()
    with pytest.raises(MigrationError, match="migration format 2 is not supported"):
        load_migration(text.replace("lift_migration: 1", "lift_migration: 2"))
    with pytest.raises(MigrationError, match="lift_migration has the wrong type"):
        load_migration(text.replace("lift_migration: 1", "lift_migration: true"))


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(MigrationError, match="duplicate key"):
        load_migration(render() + "id: '0003'\n")


def test_read_migration_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "0002_add-byemail.yaml"
    path.write_text(render(), encoding="utf-8")
    assert read_migration(path).plan == PLAN
    with pytest.raises(MigrationError, match="cannot read"):
        read_migration(tmp_path / "missing.yaml")


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render(created_at=datetime(2025, 1, 1))


def test_next_migration_id(tmp_path: Path) -> None:
    assert next_migration_id(tmp_path / "missing") == "0001"
    assert next_migration_id(tmp_path) == "0001"
    for name in ("0001_init.yaml", "0009_x.yml", "0010_y.yaml", "notes.txt", "0003.yaml", "abc_0099.yaml"):
        (tmp_path / name).write_text("")
    (tmp_path / "0500_dir.yaml").mkdir()
    assert next_migration_id(tmp_path) == "0011"
    assert [p.name for p in migration_files(tmp_path)] == ["0001_init.yaml", "0009_x.yml", "0010_y.yaml"]
    (tmp_path / "9999_last.yaml").write_text("")
    assert next_migration_id(tmp_path) == "10000"


def test_file_names() -> None:
    assert migration_filename("0003", "Add GSI byStatus!") == "0003_add-gsi-bystatus.yaml"
    assert slugify("   ") == "migration"
    assert len(slugify("x" * 200)) == 60
