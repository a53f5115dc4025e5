"""Attribute naming, every row of dynamorm-facts.md §2.1 plus the version differences."""

from __future__ import annotations

import pytest

from liftcli.dynamorm import naming
from liftcli.dynamorm.versions import Version

# (Go field, camelCase, snake_case since v1.1.0) — dynamorm-facts.md §2.1
TABLE = [
    ("Name", "name", "name"),
    ("CreatedAt", "createdAt", "created_at"),
    ("ID", "id", "id"),
    ("UserID", "userID", "user_id"),
    ("URLValue", "urlValue", "url_value"),
    ("HTTPCode", "httpCode", "http_code"),
    ("APIKey", "apiKey", "api_key"),
    ("PK", "PK", "pk"),
    ("SK", "SK", "sk"),
    ("PKValue", "pkValue", "pk_value"),
    ("GSI1PK", "gsI1PK", "gsi1pk"),
    ("TTL", "ttl", "ttl"),
    ("IDs", "iDs", "i_ds"),
    ("UserIDs", "userIDs", "user_i_ds"),
    ("Field2A", "field2A", "field2a"),
    ("OAuth2Token", "oAuth2Token", "o_auth2token"),
    ("Name_Old", "name_Old", "name_old"),
    # pinned by DynamORM's own pkg/naming/naming_test.go
    ("UUID", "uuid", "uuid"),
    ("HTTPSPort", "httpsPort", "https_port"),
    ("Value1", "value1", "value1"),
    ("AccountID", "accountID", "account_id"),
]


@pytest.mark.parametrize(("field", "camel", "snake"), TABLE)
def test_facts_table(field: str, camel: str, snake: str) -> None:
    assert naming.default_attr_name(field) == camel
    assert naming.to_snake_case(field) == snake
    assert naming.convert(field, "camelCase") == camel
    assert naming.convert(field, "snake_case") == snake


def test_legacy_naming_is_the_field_name() -> None:
    for field, _, _ in TABLE:
        assert naming.convert(field, "legacy") == field


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [("ID1", "i_d1", "id1"), ("UserID2", "user_i_d2", "user_id2"), ("MD5", "m_d5", "md5"),
     ("Field1ID", "field1_id", "field1id"), ("GSI1PK", "gsi1_pk", "gsi1pk")],
)
def test_snake_case_changed_in_v1_1_0(field: str, old: str, new: str) -> None:
    assert naming.to_snake_case_v1_0(field) == old
    assert naming.convert(field, "snake_case", Version.parse("v1.0.40")) == old
    assert naming.convert(field, "snake_case", Version.parse("v1.1.0")) == new
    assert naming.convert(field, "snake_case", None) == new


def test_single_letters_and_empty() -> None:
    assert naming.default_attr_name("") == ""
    assert naming.default_attr_name("X") == "x"
    assert naming.to_snake_case("X") == "x"
    assert naming.to_snake_case_v1_0("") == ""


@pytest.mark.parametrize(
    ("name", "convention", "error"),
    [
        ("tenantID", "camelCase", None),
        ("PK", "camelCase", None),
        ("SK", "camelCase", None),
        ("full_name", "camelCase", 'attribute name must be camelCase (got "full_name")'),
        ("GSI1PK", "camelCase", 'attribute name must be camelCase (got "GSI1PK")'),
        ("Email", "camelCase", 'attribute name must be camelCase (got "Email")'),
        ("user-id", "camelCase", 'attribute name must be camelCase (got "user-id")'),
        ("", "camelCase", "attribute name cannot be empty"),
        ("tenant_id", "snake_case", None),
        ("PK", "snake_case", 'attribute name must be snake_case (got "PK")'),
        ("a__b", "snake_case", 'attribute name must be snake_case (got "a__b")'),
        ("Anything-Goes", "legacy", None),
    ],
)
def test_validate_attr_name(name: str, convention: str, error: str | None) -> None:
    assert naming.validate_attr_name(name, convention) == error


@pytest.mark.parametrize(
    ("type_name", "table"),
    [("User", "Users"), ("Company", "Companies"), ("Bus", "Buses"), ("Day", "Daies"), ("Box", "Boxs"),
     ("BasicModel", "BasicModels"), ("Class", "Classes")],
)
def test_plural_table_name(type_name: str, table: str) -> None:
    assert naming.plural_table_name(type_name) == table


@pytest.mark.parametrize(
    ("name", "convention"), [("full_name", "camelCase"), ("GSI1PK", "camelCase"), ("user-id", "snake_case"),
                             ("Email", "snake_case"), ("1abc", "camelCase")]
)
def test_suggestions_are_valid(name: str, convention: str) -> None:
    suggestion = naming.suggest_valid_name(name, convention)
    assert naming.validate_attr_name(suggestion, convention) is None


def test_version_parsing_orders_prereleases_first() -> None:
    assert Version.parse("v1.3.0-rc.2") < Version.parse("v1.3.0")
    assert Version.parse("1.0.31") == Version.parse("v1.0.31")
    assert Version.parse("v1.0.40-0.20260101000000-abcdef123456") < Version.parse("v1.0.40")
    with pytest.raises(ValueError):
        Version.parse("latest")
