"""The dynamorm struct-tag grammar (dynamorm-facts.md §1.2-§1.3)."""

from __future__ import annotations

import pytest

from liftcli.dynamorm.tags import lookup_struct_tag, naming_from_tag, parse_dynamorm_tag, split_tags


@pytest.mark.parametrize(
    ("raw", "key", "value"),
    [
        ('dynamorm:"pk"', "dynamorm", "pk"),
        ('json:"id" dynamorm:"pk,attr:id"', "dynamorm", "pk,attr:id"),
        ('json:"id"', "dynamorm", None),
        ('dynamorm:""', "dynamorm", ""),
        ('dynamorm:"a\\"b"', "dynamorm", 'a"b'),
        ('dynamorm:"pk" dynamorm:"sk"', "dynamorm", "pk"),  # Go returns the first
        ("dynamorm: \"pk\"", "dynamorm", None),  # space after colon: malformed, Go sees nothing
        ('dynamorm:pk', "dynamorm", None),
        ('theorydb:"pk"', "theorydb", "pk"),
        ('  dynamorm:"pk"  ', "dynamorm", "pk"),
        ('dynamorm:"\\x41"', "dynamorm", "A"),
        ('dynamorm:"bad\\q"', "dynamorm", None),
    ],
)
def test_lookup_struct_tag_matches_go(raw: str, key: str, value: str | None) -> None:
    assert lookup_struct_tag(raw, key) == value


@pytest.mark.parametrize(
    ("tag", "parts"),
    [
        ("pk,index:gsi-a,sk", ["pk", "index:gsi-a,sk"]),
        ("index:gsi-a,sk,pk", ["index:gsi-a,sk,pk"]),
        ("sk,index:gsi-a,pk", ["sk", "index:gsi-a,pk"]),
        ("index:gsi-a,pk,omitempty", ["index:gsi-a,pk", "omitempty"]),
        ("index:a,pk,index:b,sk,attr:x", ["index:a,pk", "index:b,sk", "attr:x"]),
        (" pk , , sk ", ["pk", "sk"]),
        ("lsi:lsi-a,pk", ["lsi:lsi-a,pk"]),
    ],
)
def test_split_tags(tag: str, parts: list[str]) -> None:
    assert split_tags(tag) == parts


def roles(tag: str) -> dict[str, tuple[bool, bool]]:
    return {r.name: (r.is_pk, r.is_sk) for r in parse_dynamorm_tag(tag).indexes}


def test_clause_swallows_following_keys() -> None:
    parsed = parse_dynamorm_tag("pk,index:gsi-a,sk")
    assert parsed.pk and not parsed.sk
    assert roles("pk,index:gsi-a,sk") == {"gsi-a": (False, True)}
    parsed = parse_dynamorm_tag("index:gsi-a,sk,pk")
    assert not parsed.pk and not parsed.sk
    assert roles("index:gsi-a,sk,pk") == {"gsi-a": (True, True)}
    parsed = parse_dynamorm_tag("sk,index:gsi-a,pk")
    assert parsed.sk and not parsed.pk
    assert roles("sk,index:gsi-a,pk") == {"gsi-a": (True, False)}


def test_index_default_role_is_partition_and_lsi_default_is_sort() -> None:
    assert roles("index:gsi-a") == {"gsi-a": (True, False)}
    assert roles("lsi:lsi-due") == {"lsi-due": (False, True)}
    assert parse_dynamorm_tag("lsi:lsi-due").indexes[0].lsi_clause


def test_index_modifiers_and_sparse() -> None:
    parsed = parse_dynamorm_tag("index:gsi-a,pk,sparse,omitempty,attr:emailHash")
    assert parsed.omitempty and parsed.attr == "emailHash"
    assert parsed.indexes[0].sparse
    assert roles("index:gsi-a,pk,sparse") == {"gsi-a": (True, False)}


def test_lsi_rejects_pk() -> None:
    parsed = parse_dynamorm_tag("lsi:lsi-a,pk")
    assert [(p.severity, p.code, p.message) for p in parsed.problems] == [
        ("error", "DM104", "invalid struct tag: unknown lsi tag modifier 'pk'")
    ]


@pytest.mark.parametrize("token", ["required", "unique", "include", "PK", "status", ":x", "id"])
def test_unknown_bare_tokens_are_errors(token: str) -> None:
    parsed = parse_dynamorm_tag(f"attr:x,{token}")
    assert [(p.severity, p.code) for p in parsed.problems] == [("error", "DM101")]
    assert parsed.problems[0].message == f"invalid struct tag: unknown tag '{token}'"


@pytest.mark.parametrize("token", ["prefix:status", "gsi:UserIndex:pk", "extract:post_id", "composite:a"])
def test_unknown_key_values_are_warnings(token: str) -> None:
    parsed = parse_dynamorm_tag(f"pk,{token}")
    assert parsed.pk
    assert [(p.severity, p.code) for p in parsed.problems] == [("warning", "DM102")]
    key, value = token.split(":", 1)
    assert parsed.other == ((key, value.strip()),)


def test_project_is_accepted_but_linted() -> None:
    parsed = parse_dynamorm_tag("index:gsi-a,project:KEYS_ONLY")
    assert [p.code for p in parsed.problems] == ["DM103"]


def test_skip_and_empty() -> None:
    assert parse_dynamorm_tag("-").skip
    assert parse_dynamorm_tag("").empty and not parse_dynamorm_tag("").skip
    assert parse_dynamorm_tag(None).empty
    # "-,omitempty" is not a skip: "-" becomes an unknown bare token
    parsed = parse_dynamorm_tag("-,omitempty")
    assert not parsed.skip and parsed.omitempty
    assert [p.message for p in parsed.problems] == ["invalid struct tag: unknown tag '-'"]


def test_all_bare_flags() -> None:
    parsed = parse_dynamorm_tag("pk,sk,version,ttl,created_at,updated_at,set,omitempty,binary,json,encrypted")
    assert all(
        getattr(parsed, f)
        for f in ("pk", "sk", "version", "ttl", "created_at", "updated_at", "set", "omitempty", "binary", "json",
                  "encrypted")
    )
    assert not parsed.problems


def test_encrypted_key_value_form_and_attr_trimmed() -> None:
    parsed = parse_dynamorm_tag("json,encrypted:pci,attr: payload ")
    assert parsed.encrypted and parsed.json
    assert parsed.attr == "payload"
    assert not parsed.problems


def test_keys_are_case_sensitive() -> None:
    assert [p.code for p in parse_dynamorm_tag("Attr:x").problems] == ["DM102"]
    assert [p.code for p in parse_dynamorm_tag("Index:x").problems] == ["DM102"]


@pytest.mark.parametrize(
    ("tag", "convention"),
    [("naming:snake_case", "snake_case"), ("naming:camelCase", "camelCase"), ("naming:camel_case", "camelCase"),
     ("naming:kebab", None), ("pk", None), (None, None), ("pk, naming:snake_case", "snake_case")],
)
def test_naming_from_tag(tag: str | None, convention: str | None) -> None:
    assert naming_from_tag(tag) == convention


def test_unknown_naming_value_is_warned() -> None:
    assert [p.code for p in parse_dynamorm_tag("naming:kebab").problems] == ["DM105"]
