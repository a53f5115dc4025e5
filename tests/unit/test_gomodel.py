"""Go structs -> models and tables, checked against DynamORM's registry rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftcli.dynamorm.spec import create_table_request, table_spec_from_model
from tests.helpers import codes, go_project, model

HEADER = 'package models\n\nimport (\n\t"os"\n\t"time"\n)\n\nvar _ = os.Getenv\nvar _ time.Time\n\n'

INVOICE = HEADER + '''
type Invoice struct {
    _         struct{}  `dynamorm:"naming:camelCase"`
    TenantID  string    `dynamorm:"pk"`
    InvoiceID string    `dynamorm:"sk,index:gsi-by-invoice,pk"`
    Status    string    `dynamorm:"index:gsi-status,pk,omitempty"`
    IssuedAt  time.Time `dynamorm:"index:gsi-status,sk"`
    DueDay    string    `dynamorm:"lsi:lsi-due"`
    Labels    []string  `dynamorm:"set,omitempty"`
    Secret    string    `dynamorm:"encrypted,omitempty"`
    Ver       int64     `dynamorm:"version"`
    Expires   int64     `dynamorm:"ttl,omitempty"`
    CreatedAt time.Time
    Scratch   string    `dynamorm:"-"`
    internal  string
}

func (Invoice) TableName() string { return os.Getenv("INVOICES_TABLE") }
'''


def test_worked_example_from_the_facts(tmp_path: Path) -> None:
    project = go_project(tmp_path, INVOICE)
    invoice = model(project, "Invoice")
    request = create_table_request(table_spec_from_model(invoice))
    assert request == {
        "TableName": "Invoices",
        "KeySchema": [{"AttributeName": "tenantID", "KeyType": "HASH"},
                      {"AttributeName": "invoiceID", "KeyType": "RANGE"}],
        "AttributeDefinitions": [
            {"AttributeName": "dueDay", "AttributeType": "S"},
            {"AttributeName": "invoiceID", "AttributeType": "S"},
            {"AttributeName": "issuedAt", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "tenantID", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {"IndexName": "gsi-by-invoice", "KeySchema": [{"AttributeName": "invoiceID", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "gsi-status", "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                                                       {"AttributeName": "issuedAt", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}},
        ],
        "LocalSecondaryIndexes": [
            {"IndexName": "lsi-due", "KeySchema": [{"AttributeName": "tenantID", "KeyType": "HASH"},
                                                    {"AttributeName": "dueDay", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}},
        ],
    }
    assert invoice.ttl_attribute == "expires"
    assert invoice.version_attribute == "ver"
    assert invoice.table.env_var == "INVOICES_TABLE"
    by_field = {a.field: a for a in invoice.attributes}
    assert "Scratch" not in by_field and "internal" not in by_field
    assert by_field["CreatedAt"].roles == ("created_at",)
    assert by_field["Labels"].type == "SS" and by_field["Labels"].set
    assert by_field["Secret"].encrypted
    assert by_field["InvoiceID"].roles == ("sk", "index_pk:gsi-by-invoice")
    assert codes(project, "error") == []


# Each rejected variant of dynamorm-facts.md §1.6 and each error of §1.5, with DynamORM's message.
REJECTED = [
    ('Name string `dynamorm:"required"`', "DM101", "invalid struct tag: unknown tag 'required'"),
    ('DueDay string `dynamorm:"attr:due_day"`', "DM201", 'attribute name must be camelCase (got "due_day")'),
    ('G string `dynamorm:"attr:GSI1PK"`', "DM201", 'attribute name must be camelCase (got "GSI1PK")'),
    ('D string `dynamorm:"lsi:lsi-due,pk"`', "DM104", "invalid struct tag: unknown lsi tag modifier 'pk'"),
    ('Expires time.Time `dynamorm:"ttl"`', "DM303", "ttl field must be int64 or uint64"),
    ('Expires int `dynamorm:"ttl"`', "DM303", "ttl field must be int64 or uint64"),
    ('Expires *int64 `dynamorm:"ttl"`', "DM303", "ttl field must be int64 or uint64"),
    ('CreatedAt string `dynamorm:"created_at"`', "DM305", "created_at/updated_at fields must be time.Time"),
    ('Seen *time.Time `dynamorm:"updated_at"`', "DM305", "created_at/updated_at fields must be time.Time"),
    ('Secret string `dynamorm:"sk,encrypted"`', "DM307", "encrypted fields cannot be used as primary or index keys"),
    ('Secret string `dynamorm:"index:gsi-s,encrypted"`', "DM307",
     "encrypted fields cannot be used as primary or index keys"),
    ('V string `dynamorm:"version"`', "DM301", "version field must be numeric"),
    ('V float64 `dynamorm:"version"`', "DM301", "version field must be numeric"),
    ('Tags string `dynamorm:"set"`', "DM304", "set tag can only be used on slice types"),
    ('Other string `dynamorm:"pk"`', "DM402", "duplicate primary key definition"),
    ('A string `dynamorm:"index:gsi-a,sk"`', "DM405", "missing partition key for index gsi-a"),
    ('A string `dynamorm:"index:gsi-a,pk"`\n    B string `dynamorm:"index:gsi-a,pk"`', "DM404",
     "duplicate partition key for index gsi-a"),
    ('A string `dynamorm:"attr:"`', "DM201", "attribute name cannot be empty"),
]


@pytest.mark.parametrize(("field", "code", "message"), REJECTED)
def test_rejected_fields(tmp_path: Path, field: str, code: str, message: str) -> None:
    source = HEADER + f"type Thing struct {{\n    ID string `dynamorm:\"pk\"`\n    {field}\n}}\n"
    project = go_project(tmp_path, source)
    errors = [d for d in project.diagnostics if d.severity == "error"]
    assert [d.code for d in errors] == [code], [(d.code, d.message) for d in project.diagnostics]
    assert message in errors[0].message
    assert errors[0].path == "models/models.go" and errors[0].line is not None and errors[0].model == "Thing"
    assert errors[0].hint
    assert project.models == ()  # DynamORM refuses to register the model


def test_missing_primary_key(tmp_path: Path) -> None:
    project = go_project(tmp_path, HEADER + 'type T struct {\n    Name string `dynamorm:"omitempty"`\n}\n')
    assert codes(project, "error") == ["DM401"]
    assert project.diagnostics[0].line == 11


def test_duplicate_sort_key(tmp_path: Path) -> None:
    project = go_project(tmp_path, HEADER + 'type T struct {\n ID string `dynamorm:"pk"`\n A string `dynamorm:"sk"`\n'
                         ' B string `dynamorm:"sk"`\n}\n')
    assert codes(project, "error") == ["DM403"]


def test_checks_go_forgets(tmp_path: Path) -> None:
    source = HEADER + '''
type Dup struct {
    ID    string `dynamorm:"pk"`
    Email string
    Mail  string `dynamorm:"attr:email"`
}

type NoSortLSI struct {
    ID string `dynamorm:"pk"`
    D  string `dynamorm:"lsi:lsi-d"`
}

type LSIAsPK struct {
    ID string `dynamorm:"pk"`
    S  string `dynamorm:"sk"`
    D  string `dynamorm:"index:lsi-d"`
}

type BadIndexName struct {
    ID string `dynamorm:"pk"`
    A  string `dynamorm:"index:ab"`
    B  string `dynamorm:"index:bad name!"`
}

type BothKeys struct {
    ID string `dynamorm:"pk"`
    A  string `dynamorm:"index:gsi-a,sk,pk"`
}

type SameKey struct {
    ID string `dynamorm:"pk,sk"`
}
'''
    project = go_project(tmp_path, source)
    got = {(d.model, d.code) for d in project.diagnostics if d.severity in ("error", "warning")}
    assert ("Dup", "DM202") in got
    assert ("NoSortLSI", "DM408") in got
    assert ("LSIAsPK", "DM407") in got
    assert ("BadIndexName", "DM410") in got
    assert ("BothKeys", "DM406") in got and ("BothKeys", "DM106") in got
    assert ("SameKey", "DM406") in got
    assert project.models == ()


def test_gsi_and_lsi_declared_for_one_index(tmp_path: Path) -> None:
    source = HEADER + '''
type Mixed struct {
    ID string `dynamorm:"pk"`
    S  string `dynamorm:"sk"`
    A  string `dynamorm:"index:by-a,pk"`
    B  string `dynamorm:"lsi:by-a"`
}
'''
    project = go_project(tmp_path, source)
    assert "DM411" in codes(project, "warning")
    mixed = model(project, "Mixed")
    assert [(i.name, i.kind, i.sort.name if i.sort else None) for i in mixed.indexes] == [("by-a", "GSI", "b")]


def test_quota_of_twenty_gsis(tmp_path: Path) -> None:
    fields = "\n".join(f'    F{i} string `dynamorm:"index:gsi-{i:02d}"`' for i in range(21))
    project = go_project(tmp_path, HEADER + f'type Wide struct {{\n    ID string `dynamorm:"pk"`\n{fields}\n}}\n')
    assert codes(project, "error") == ["DM412"]


def test_quota_of_five_lsis(tmp_path: Path) -> None:
    fields = "\n".join(f'    F{i} string `dynamorm:"lsi:lsi-{i}"`' for i in range(6))
    project = go_project(tmp_path, HEADER + f'type L struct {{\n ID string `dynamorm:"pk"`\n S string `dynamorm:"sk"`\n'
                         f'{fields}\n}}\n')
    assert codes(project, "error") == ["DM413"]


def test_key_types_follow_get_attribute_type(tmp_path: Path) -> None:
    source = HEADER + '''
type Status string
type Cents int64

type Keys struct {
    ID    Status    `dynamorm:"pk"`
    N     Cents     `dynamorm:"sk"`
    F     float64   `dynamorm:"index:g-f"`
    U     uint32    `dynamorm:"index:g-u"`
    T     time.Time `dynamorm:"index:g-t"`
    Bytes []byte    `dynamorm:"index:g-b"`
    P     *string   `dynamorm:"index:g-p"`
    B     bool      `dynamorm:"index:g-bool"`
}
'''
    project = go_project(tmp_path, source)
    keys = model(project, "Keys")
    spec = table_spec_from_model(keys)
    assert {k.name: k.type for k in spec.key_attributes()} == {
        "id": "S", "n": "N", "f": "N", "u": "N", "t": "S", "bytes": "B", "p": "S", "b": "S",
    }
    warned = {d.field for d in project.diagnostics if d.code == "DM306"}
    assert warned == {"Bytes", "P", "B"}


def test_implicit_timestamps_depend_on_version(tmp_path: Path) -> None:
    source = HEADER + '''
type Note struct {
    ID        string    `dynamorm:"pk"`
    CreatedAt time.Time
    Updatedat time.Time `dynamorm:"attr:changed"`
    Created   time.Time
    UpdatedAt *time.Time
}
'''
    new = model(go_project(tmp_path / "new", source, version="v1.0.37"), "Note")
    roles = {a.field: a.roles for a in new.attributes}
    assert roles == {"ID": ("pk",), "CreatedAt": ("created_at",), "Updatedat": ("updated_at",), "Created": (),
                     "UpdatedAt": ()}
    old = model(go_project(tmp_path / "old", source, version="v1.0.36"), "Note")
    assert all(a.roles in ((), ("pk",)) for a in old.attributes)


def test_legacy_naming_before_v1_0_31(tmp_path: Path) -> None:
    source = HEADER + '''
type User struct {
    TenantID string `dynamorm:"pk"`
    UserID   string `dynamorm:"sk,attr:user_id"`
    Email    string `dynamorm:"index:gsi-email"`
}
'''
    legacy = model(go_project(tmp_path / "a", source, version="v1.0.19"), "User")
    assert [(a.field, a.name) for a in legacy.attributes] == [("TenantID", "TenantID"), ("UserID", "user_id"),
                                                              ("Email", "Email")]
    assert legacy.naming == "legacy"
    camel = go_project(tmp_path / "b", source, version="v1.0.31")
    assert "DM201" in codes(camel, "error")  # attr:user_id is not camelCase from v1.0.31


def test_snake_case_model_and_version_gate(tmp_path: Path) -> None:
    source = HEADER + '''
type Invoice struct {
    _        struct{} `dynamorm:"naming:snake_case"`
    PK       string   `dynamorm:"pk"`
    SK       string   `dynamorm:"sk"`
    TenantID string   `dynamorm:"index:gsi-tenant,pk"`
    Expires  int64    `dynamorm:"ttl"`
}
'''
    snake = model(go_project(tmp_path / "new", source, version="v1.0.39"), "Invoice")
    assert snake.naming == "snake_case"
    assert [a.name for a in snake.attributes] == ["pk", "sk", "tenant_id", "expires"]
    early = go_project(tmp_path / "early", source, version="v1.0.33")
    assert model(early, "Invoice").naming == "camelCase"
    assert "DM109" in codes(early, "warning")


def test_no_go_mod_means_newest_rules(tmp_path: Path) -> None:
    project = go_project(tmp_path, HEADER + 'type A struct {\n    UserID string `dynamorm:"pk"`\n}\n', version=None)
    assert model(project, "A").partition.name == "userID"


def test_forced_naming_from_config(tmp_path: Path) -> None:
    source = HEADER + 'type A struct {\n    UserID string `dynamorm:"pk"`\n}\n'
    project = go_project(tmp_path, source, version="v1.0.39",
                         extra={"lift.yaml": "dynamorm:\n  naming: legacy\n"})
    assert model(project, "A").partition.name == "UserID"


def test_embedded_structs(tmp_path: Path) -> None:
    files = {
        "models/base.go": '''
            package models

            import "time"

            type Base struct {
                PK        string    `dynamorm:"pk"`
                SK        string    `dynamorm:"sk"`
                GSI1PK    string    `dynamorm:"index:gsi1,pk"`
                CreatedAt time.Time
            }

            type audit struct {
                Who string `dynamorm:"attr:who"`
            }

            type Meta struct{ Note string }
        ''',
        "models/user.go": '''
            package models

            import "example.com/app/shared"

            type User struct {
                Base
                audit
                *Meta
                shared.Versioned
                Email string `dynamorm:"index:gsi-email"`
            }

            func (u *User) TableName() string { return "my-application" }
        ''',
        "shared/versioned.go": '''
            package shared

            type Versioned struct {
                Version int64 `dynamorm:"version"`
            }
        ''',
    }
    project = go_project(tmp_path, files)
    user = model(project, "User")
    assert [a.name for a in user.attributes] == ["PK", "SK", "gsI1PK", "createdAt", "meta", "version", "email"]
    assert user.table.resolved == "my-application" and user.table.source == "literal"
    assert [i.name for i in user.indexes] == ["gsi-email", "gsi1"]
    assert user.version_attribute == "version"
    # Base is only embedded: it is not reported as a model of its own, and has no error.
    assert [m.name for m in project.models] == ["User"]
    assert codes(project, "error") == []


def test_unresolvable_embedded_type_is_a_warning(tmp_path: Path) -> None:
    source = HEADER.replace('"time"', '"time"\n\t"github.com/other/lib"') + '''
var _ lib.X

type A struct {
    lib.Base
    ID string `dynamorm:"pk"`
}
'''
    project = go_project(tmp_path, source)
    assert codes(project, "warning") == ["DM903"]
    assert model(project, "A").partition.name == "id"


@pytest.mark.parametrize(
    ("method", "table", "source", "env_var"),
    [
        ('func (A) TableName() string { return "orders-v2" }', "orders-v2", "literal", None),
        ('func (a *A) TableName() string { return "orders-v2" }', "orders-v2", "literal", None),
        ('const tbl = "from-const"\nfunc (A) TableName() string { return tbl }', "from-const", "literal", None),
        ('func (A) TableName() string { return os.Getenv("ORDERS_TABLE") }', "As", "env", "ORDERS_TABLE"),
        ('const envName = "T_NAME"\nfunc (A) TableName() string { return os.Getenv(envName) }', "As", "env",
         "T_NAME"),
        ('func (A) TableName() string {\n if v := os.Getenv("ORDERS_TABLE"); v != "" {\n  return v\n }\n'
         ' return "orders"\n}', "orders", "env", "ORDERS_TABLE"),
        ("", "As", "default", None),
    ],
)
def test_table_names(tmp_path: Path, method: str, table: str, source: str, env_var: str | None) -> None:
    code = HEADER + 'type A struct {\n    ID string `dynamorm:"pk"`\n}\n\n' + method + "\n"
    a = model(go_project(tmp_path, code), "A")
    assert (a.table.resolved, a.table.source, a.table.env_var) == (table, source, env_var)


def test_table_name_with_wrong_signature_is_ignored(tmp_path: Path) -> None:
    code = HEADER + 'type Box struct {\n ID string `dynamorm:"pk"`\n}\n\nfunc (Box) TableName(x int) string { return "x" }\n'
    project = go_project(tmp_path, code)
    assert model(project, "Box").table.resolved == "Boxs"
    assert "DM502" in codes(project, "warning")


def test_dynamic_table_name_is_a_warning(tmp_path: Path) -> None:
    code = HEADER + 'type A struct {\n ID string `dynamorm:"pk"`\n}\n\nfunc (A) TableName() string { return prefix() + "a" }\n'
    project = go_project(tmp_path, code)
    assert "DM503" in codes(project, "warning")


def test_table_name_resolution_from_environment_and_config(tmp_path: Path) -> None:
    code = HEADER + 'type Invoice struct {\n ID string `dynamorm:"pk"`\n}\n\n' \
        'func (Invoice) TableName() string { return os.Getenv("INVOICES_TABLE") }\n'
    config = """
        app:
          name: billing
        dynamorm:
          tables:
            template: "{app}-{model_kebab}-{env}"
          environments:
            dev: {table_prefix: "x-"}
            live:
              env: {INVOICES_TABLE: billing-invoices-live}
            staging:
              tables: {Invoice: explicit-staging}
    """
    from liftcli.config import Overrides

    def resolved(env: str | None, environ: dict[str, str] | None = None) -> str:
        project = go_project(tmp_path, code, extra={"lift.yaml": config}, environ=environ,
                             overrides=Overrides(env=env))
        return model(project, "Invoice").table.resolved

    assert resolved("dev") == "x-billing-invoice-dev"
    assert resolved("live") == "billing-invoices-live"
    assert resolved("staging") == "explicit-staging"
    assert resolved("live", {"INVOICES_TABLE": "from-env"}) == "from-env"  # env var beats lift.yaml


def test_syntax_errors_are_diagnostics_with_lines(tmp_path: Path) -> None:
    project = go_project(tmp_path, 'package models\n\ntype A struct {\n    ID string `dynamorm:"pk"`\n    B int =\n}\n')
    errors = [d for d in project.diagnostics if d.code == "DM901"]
    assert errors and errors[0].path == "models/models.go" and errors[0].line == 5


def test_theorydb_tag_key(tmp_path: Path) -> None:
    source = HEADER + 'type A struct {\n    ID string `theorydb:"pk"`\n    S string `theorydb:"sk"`\n}\n'
    project = go_project(tmp_path, source, extra={"lift.yaml": "dynamorm:\n  tag: theorydb\n"})
    a = model(project, "A")
    assert (a.partition.name, a.sort.name if a.sort else None) == ("id", "s")
    plain = tmp_path.parent / (tmp_path.name + "-plain")
    assert go_project(plain, source).models == ()


def test_unknown_key_value_tokens_warn_but_register(tmp_path: Path) -> None:
    source = HEADER + 'type Acct struct {\n    ID string `dynamorm:"pk,prefix:a"`\n    B string `dynamorm:"gsi:Idx:pk"`\n}\n'
    project = go_project(tmp_path, source)
    assert codes(project) == ["DM102", "DM102"]
    assert model(project, "Acct").indexes == ()


def test_test_files_and_vendor_are_skipped(tmp_path: Path) -> None:
    model_src = HEADER + 'type A struct {\n    ID string `dynamorm:"pk"`\n}\n'
    project = go_project(tmp_path, {"models/a.go": model_src,
                                    "models/a_test.go": model_src.replace("type A", "type B"),
                                    "vendor/x/c.go": model_src.replace("type A", "type C"),
                                    "node_modules/x/d.go": model_src.replace("type A", "type D")})
    assert [m.name for m in project.models] == ["A"]


def test_shared_table_with_conflicting_keys(tmp_path: Path) -> None:
    source = HEADER + '''
type A struct {
    PK string `dynamorm:"pk"`
}
func (A) TableName() string { return "app" }

type B struct {
    ID string `dynamorm:"pk"`
}
func (B) TableName() string { return "app" }
'''
    project = go_project(tmp_path, source)
    assert "DM501" in codes(project, "error")
