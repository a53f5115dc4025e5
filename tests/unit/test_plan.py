from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from liftcli.dynamorm.diff import diff
from liftcli.dynamorm.migration_file import render_migration
from liftcli.dynamorm.model import Index, KeyAttribute, Projection
from liftcli.dynamorm.ops import (
    ChangeTtl,
    CreateGlobalIndex,
    CreateTable,
    DeleteGlobalIndex,
    DeleteTable,
    EnableTtl,
    ReplaceGlobalIndex,
    ReplaceTable,
    UpdateBilling,
    UpdateDeletionProtection,
    UpdatePitr,
    UpdateSse,
    UpdateStream,
    UpdateTableClass,
)
from liftcli.dynamorm.plan import (
    PLAN_RULES,
    Plan,
    PlanOptions,
    Step,
    iac_deploys,
    plan,
)
from liftcli.dynamorm.spec import TableSpec, Throughput

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "plans"
PK = KeyAttribute("pk", "S")
SK = KeyAttribute("sk", "S")


def gsi(name: str, attr: str = "g", kind: str = "S", **kw: object) -> Index:
    return Index(name, "GSI", KeyAttribute(attr, kind), **kw)  # type: ignore[arg-type]


ORDERS = TableSpec(
    "Orders",
    PK,
    SK,
    gsis=(gsi("byStatus", "status"), gsi("legacy", "x")),
    billing_mode="PROVISIONED",
    throughput=Throughput(5, 5),
    ttl_enabled=True,
    ttl_attribute="exp",
    stream_enabled=True,
    stream_view="KEYS_ONLY",
    pitr=False,
    sse="DEFAULT",
    table_class="STANDARD",
    deletion_protection=False,
    status="ACTIVE",
)
ORDERS_WANTED = TableSpec(
    "Orders",
    PK,
    SK,
    gsis=(gsi("byStatus", "status", sort=KeyAttribute("createdAt", "N")), gsi("byEmail", "email")),
    billing_mode="PAY_PER_REQUEST",
    ttl_enabled=True,
    ttl_attribute="expiresAt",
    stream_enabled=True,
    stream_view="NEW_IMAGE",
    pitr=True,
    sse="KMS",
    table_class="STANDARD_INFREQUENT_ACCESS",
)


def titles(result: Plan) -> list[str]:
    return [s.title for s in result.steps]


def structural_gsi_updates(step: Step) -> list[dict[str, object]]:
    return [
        u
        for call in step.calls
        for u in call.request.get("GlobalSecondaryIndexUpdates", [])
        if "Create" in u or "Delete" in u
    ]


# --------------------------------------------------------------------------------------------
# Ordering and the one-GSI-per-call rule
# --------------------------------------------------------------------------------------------


def test_terraform_order_for_a_table() -> None:
    result = plan(diff(ORDERS_WANTED, ORDERS), now=NOW, actual={"Orders": ORDERS})
    assert titles(result) == [
        "delete GSI legacy on Orders",
        "billing on Orders: PROVISIONED 5/5 -> PAY_PER_REQUEST",
        "table class on Orders: STANDARD -> STANDARD_INFREQUENT_ACCESS",
        "disable the stream on Orders",
        "enable the stream on Orders (NEW_IMAGE)",
        "create GSI byEmail on Orders",
        "create GSI byStatus-v2 on Orders (replaces byStatus)",
        "switch readers from GSI byStatus to byStatus-v2",
        "delete GSI byStatus on Orders",
        "server-side encryption on Orders: DEFAULT -> KMS",
        "disable TTL on Orders (exp)",
        "enable TTL on Orders (expiresAt)",
        "enable point-in-time recovery on Orders",
    ]
    assert result.ok and result.issues == ()


def test_one_gsi_create_or_delete_per_update_table_with_a_wait() -> None:
    result = plan(diff(ORDERS_WANTED, ORDERS), now=NOW, actual={"Orders": ORDERS})
    gsi_steps = [s for s in result.steps if structural_gsi_updates(s)]
    assert len(gsi_steps) == 4  # delete legacy, create byEmail, create byStatus-v2, delete byStatus
    for step in gsi_steps:
        assert len(step.calls) == 1 and len(structural_gsi_updates(step)) == 1
        assert step.wait is not None and step.wait.kind in ("index-active", "index-gone")
        assert step.duration == "minutes"


def test_two_new_gsis_are_two_steps_and_two_iac_deploys() -> None:
    base = TableSpec("Users", KeyAttribute("id", "S"))
    wanted = replace(base, gsis=(gsi("byA", "a"), gsi("byB", "b")))
    ops = diff(wanted, base)
    result = plan(ops, now=NOW, actual={"Users": base})
    assert titles(result) == ["create GSI byA on Users", "create GSI byB on Users"]
    assert [s.wait.index for s in result.steps if s.wait] == ["byA", "byB"]
    deploys = iac_deploys(ops)
    assert [(d.number, [o.describe() for o in d.ops]) for d in deploys] == [
        (1, ["create GSI byA on Users (a (S), ALL)"]),
        (2, ["create GSI byB on Users (b (S), ALL)"]),
    ]


def test_iac_deploys_split_gsi_changes_per_table_and_keep_other_changes_first() -> None:
    ops = [
        CreateGlobalIndex("A", gsi("one")),
        CreateGlobalIndex("A", gsi("two")),
        DeleteGlobalIndex("A", gsi("old")),
        CreateGlobalIndex("B", gsi("three")),
        UpdatePitr("B", False, True),
        ReplaceGlobalIndex("C", gsi("byX"), gsi("byX-v2", "y")),
        CreateTable(TableSpec("D", PK, gsis=(gsi("d1"), gsi("d2")))),
    ]
    deploys = iac_deploys(ops)
    assert [[(o.table, o.kind) for o in d.ops] for d in deploys] == [
        [
            ("B", "update_pitr"),
            ("D", "create_table"),
            ("A", "delete_gsi"),
            ("B", "create_gsi"),
            ("C", "create_gsi"),
        ],
        [("A", "create_gsi"), ("C", "delete_gsi")],
        [("A", "create_gsi")],
    ]
    assert iac_deploys([]) == ()
    assert len(iac_deploys([UpdatePitr("B", False, True)])) == 1


def test_gsi_create_attribute_definitions_come_from_key_usage() -> None:
    table = TableSpec(
        "T", PK, SK, gsis=(gsi("old", "o", "N"),), lsis=(Index("l", "LSI", PK, KeyAttribute("ls", "B")),)
    )
    result = plan([CreateGlobalIndex("T", gsi("byEmail", "email"))], now=NOW, actual={"T": table})
    [call] = result.steps[0].calls
    assert call.operation == "UpdateTable"
    # Every key attribute of the table after the change, nothing else, sorted (AWS accepts
    # this; moto server would otherwise drop the other definitions).
    assert call.request["AttributeDefinitions"] == [
        {"AttributeName": "email", "AttributeType": "S"},
        {"AttributeName": "ls", "AttributeType": "B"},
        {"AttributeName": "o", "AttributeType": "N"},
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]
    assert call.request["GlobalSecondaryIndexUpdates"] == [
        {
            "Create": {
                "IndexName": "byEmail",
                "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        }
    ]


def test_gsi_create_leaves_out_keys_whose_type_the_endpoint_lost() -> None:
    # moto server after a GSI create: the other key types are unknown (guessed S).
    table = replace(
        TableSpec("T", KeyAttribute("pk", "S"), gsis=(gsi("old", "o"),)),
        extra=(("untyped_keys", ("o", "pk")),),
    )
    call = (
        plan([CreateGlobalIndex("T", gsi("byEmail", "email"))], now=NOW, actual={"T": table})
        .steps[0]
        .calls[0]
    )
    assert call.request["AttributeDefinitions"] == [{"AttributeName": "email", "AttributeType": "S"}]


def test_gsi_create_on_a_provisioned_table_gets_throughput() -> None:
    table = TableSpec("T", PK, billing_mode="PROVISIONED", throughput=Throughput(3, 2))
    call = plan([CreateGlobalIndex("T", gsi("byA", "a"))], now=NOW, actual={"T": table}).steps[0].calls[0]
    create = call.request["GlobalSecondaryIndexUpdates"][0]["Create"]
    assert create["ProvisionedThroughput"] == {"ReadCapacityUnits": 3, "WriteCapacityUnits": 2}


def test_tables_are_planned_in_name_order_and_ids_are_sequential() -> None:
    ops = [UpdatePitr("b", False, True), UpdatePitr("a", False, True), UpdatePitr("c", True, False)]
    result = plan(ops, now=NOW)
    assert [(s.id, s.table) for s in result.steps] == [("001", "a"), ("002", "b"), ("003", "c")]
    assert plan(list(reversed(ops)), now=NOW) == result


# --------------------------------------------------------------------------------------------
# Step classes, rule ids, reversibility
# --------------------------------------------------------------------------------------------


def test_gsi_replace_is_create_new_name_then_switch_then_delete() -> None:
    op = ReplaceGlobalIndex(
        "Orders", gsi("byStatus", "status"), gsi("byStatus-v2", "status", projection=Projection("KEYS_ONLY"))
    )
    create, switch, delete = plan([op], now=NOW, actual={"Orders": ORDERS}).steps
    assert (create.step_class, create.rules, create.wait.kind) == ("replace", ("DDB102",), "index-active")  # type: ignore[union-attr]
    assert structural_gsi_updates(create)[0]["Create"]["IndexName"] == "byStatus-v2"  # type: ignore[index]
    assert (switch.step_class, switch.manual, switch.requires_confirmation, switch.calls) == (
        "consumer-impacting",
        True,
        True,
        (),
    )
    assert (delete.step_class, delete.rules) == ("consumer-impacting", ("DDB102", "DDB108"))
    assert structural_gsi_updates(delete) == [{"Delete": {"IndexName": "byStatus"}}]


def test_table_replace_with_key_type_change() -> None:
    old = replace(ORDERS, deletion_protection=True, item_count=1234)
    new = replace(ORDERS_WANTED, name="Orders-v2", partition=KeyAttribute("pk", "N"))
    result = plan([ReplaceTable(old, new, ("DM-K002",))], now=NOW, actual={"Orders": old})
    assert [(s.title, s.step_class, s.rules) for s in result.steps] == [
        ("back up Orders as Orders-lift-20250102030405", "in-place", ("DDB101", "DDB107")),
        ("create replacement table Orders-v2", "replace", ("DDB101", "DDB107")),
        ("enable TTL on Orders-v2 (expiresAt)", "rate-limited", ("DDB101",)),
        ("enable point-in-time recovery on Orders-v2", "in-place", ("DDB101",)),
        (
            "copy items Orders -> Orders-v2 (about 1234 items; DescribeTable counts lag ~6 h)",
            "replace",
            ("DDB101", "DDB107"),
        ),
        ("verify copy Orders -> Orders-v2", "replace", ("DDB101", "DDB107")),
        ("cut over: point the application at Orders-v2", "consumer-impacting", ("DDB101",)),
        ("turn off deletion protection on Orders", "in-place", ("DDB101", "DDB105")),
        ("delete table Orders", "destructive", ("DDB101", "DDB109")),
    ]
    backup, create, _, _, copy, verify, cutover, unprotect, delete = result.steps
    assert backup.calls[0].operation == "CreateBackup"
    assert create.calls[0].request["SSESpecification"] == {"Enabled": True, "SSEType": "KMS"}
    assert create.calls[0].request["TableName"] == "Orders-v2"
    assert (copy.duration, copy.calls[0].operation) == ("needs-copy", "lift:CopyItems")
    assert verify.calls[0].request["Checks"] == ["item-count", "content-hash"]
    assert cutover.manual and cutover.requires_confirmation
    assert (
        unprotect.requires_confirmation and unprotect.calls[0].request["DeletionProtectionEnabled"] is False
    )
    assert (delete.reversible, delete.requires_confirmation, delete.wait.kind) == (False, True, "table-gone")  # type: ignore[union-attr]
    assert "backup" in delete.reverse_note


def test_renamed_key_needs_a_transform_note() -> None:
    old = TableSpec("T", PK)
    new = TableSpec("T-v2", KeyAttribute("id", "S"))
    copy = [
        s for s in plan([ReplaceTable(old, new, ("DM-K001",))], now=NOW).steps if s.duration == "needs-copy"
    ][0]
    assert "new key attribute(s) id" in copy.why
    assert "DDB107" not in copy.rules  # a rename, not a type change


def test_delete_table_backs_up_unprotects_and_needs_confirmation() -> None:
    protected = replace(ORDERS, deletion_protection=True)
    result = plan([DeleteTable(protected)], now=NOW, actual={"Orders": protected})
    assert [(s.calls[0].operation, s.rules, s.requires_confirmation) for s in result.steps] == [
        ("CreateBackup", ("DDB109",), False),
        ("UpdateTable", ("DDB105", "DDB109"), True),
        ("DeleteTable", ("DDB109",), True),
    ]
    no_backup = plan([DeleteTable(ORDERS)], now=NOW, options=PlanOptions(backup_before_delete=False))
    assert [s.calls[0].operation for s in no_backup.steps] == ["DeleteTable"]
    assert no_backup.steps[0].reverse_note == "no backup was taken by this plan"


@pytest.mark.parametrize(
    ("op", "step_class", "rules"),
    [
        (UpdateBilling("T", "PROVISIONED", "PAY_PER_REQUEST", Throughput(5, 5)), "rate-limited", ("DDB106",)),
        (UpdateBilling("T", "PAY_PER_REQUEST", "PROVISIONED", None, Throughput(5, 5)), "in-place", ()),
        (
            UpdateBilling("T", "PROVISIONED", "PROVISIONED", Throughput(5, 5), Throughput(9, 9)),
            "in-place",
            (),
        ),
        (
            UpdateBilling("T", "PROVISIONED", "PROVISIONED", Throughput(5, 5), Throughput(1, 9)),
            "rate-limited",
            (),
        ),
        (UpdateTableClass("T", "STANDARD", "STANDARD_INFREQUENT_ACCESS"), "rate-limited", ()),
        (UpdateSse("T", "DEFAULT", "KMS"), "rate-limited", ()),
        (UpdateStream("T", False, None, True, "NEW_IMAGE"), "in-place", ()),
        (UpdateStream("T", True, "NEW_IMAGE", False, None), "consumer-impacting", ("DDB103",)),
        (UpdateDeletionProtection("T", True, False), "in-place", ("DDB105",)),
        (UpdateDeletionProtection("T", False, True), "in-place", ()),
        (UpdatePitr("T", False, True), "in-place", ()),
        (UpdatePitr("T", True, False), "destructive", ()),
        (EnableTtl("T", "exp"), "rate-limited", ()),
        (DeleteGlobalIndex("T", gsi("old")), "consumer-impacting", ("DDB108",)),
        (CreateGlobalIndex("T", gsi("new")), "in-place", ()),
    ],
)
def test_single_step_classes(op: object, step_class: str, rules: tuple[str, ...]) -> None:
    [step] = plan([op], now=NOW).steps  # type: ignore[list-item]
    assert (step.step_class, step.rules) == (step_class, rules)
    assert step.reverse  # every step says how to undo it
    assert step.why


def test_switch_to_provisioned_gives_every_remaining_gsi_throughput() -> None:
    table = TableSpec("T", PK, gsis=(gsi("keep", "k"), gsi("doomed", "d")), billing_mode="PAY_PER_REQUEST")
    ops = [
        UpdateBilling("T", "PAY_PER_REQUEST", "PROVISIONED", None, Throughput(4, 2)),
        DeleteGlobalIndex("T", gsi("doomed", "d")),
    ]
    delete, billing = plan(ops, now=NOW, actual={"T": table}).steps
    assert structural_gsi_updates(delete) == [{"Delete": {"IndexName": "doomed"}}]
    request = billing.calls[0].request
    throughput = {"ReadCapacityUnits": 4, "WriteCapacityUnits": 2}
    assert request["ProvisionedThroughput"] == throughput
    # Deletes run first, so the doomed index needs no throughput (rules §3.1).
    assert request["GlobalSecondaryIndexUpdates"] == [
        {"Update": {"IndexName": "keep", "ProvisionedThroughput": throughput}}
    ]


def test_stream_view_change_is_disable_then_enable() -> None:
    disable, enable = plan([UpdateStream("T", True, "KEYS_ONLY", True, "NEW_IMAGE")], now=NOW).steps
    assert disable.calls[0].request["StreamSpecification"] == {"StreamEnabled": False}
    assert enable.calls[0].request["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    assert {disable.step_class, enable.step_class} == {"consumer-impacting"}
    assert disable.rules == enable.rules == ("DDB103",)
    assert "cannot change in place" in enable.why


def test_create_table_carries_settings_and_follows_with_ttl_and_pitr() -> None:
    spec = replace(
        ORDERS_WANTED,
        name="New",
        deletion_protection=True,
        lsis=(Index("byCreated", "LSI", PK, KeyAttribute("c", "N")),),
    )
    create, ttl, pitr = plan([CreateTable(spec)], now=NOW).steps
    request = create.calls[0].request
    assert request["SSESpecification"] == {"Enabled": True, "SSEType": "KMS"}
    assert request["DeletionProtectionEnabled"] is True
    assert request["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert request["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert [d["AttributeName"] for d in request["AttributeDefinitions"]] == [
        "c",
        "createdAt",
        "email",
        "pk",
        "sk",
        "status",
    ]
    assert (create.duration, create.wait.kind) == ("minutes", "table-active")  # type: ignore[union-attr]
    assert ttl.calls[0].operation == "UpdateTimeToLive" and ttl.not_before is None
    assert pitr.calls[0].operation == "UpdateContinuousBackups"


# --------------------------------------------------------------------------------------------
# TTL: the one-hour rule
# --------------------------------------------------------------------------------------------


def test_ttl_attribute_change_waits_an_hour_between_disable_and_enable() -> None:
    disable, enable = plan([ChangeTtl("T", "exp", "expiresAt")], now=NOW).steps
    assert disable.not_before is None  # nothing known to block it
    assert disable.wait is not None and (disable.wait.kind, disable.wait.seconds) == ("ttl-cooldown", 3600)
    assert enable.not_before == NOW + timedelta(hours=1) == disable.wait.until
    assert disable.rules == enable.rules == ("DDB104",)
    assert disable.calls[0].request["TimeToLiveSpecification"] == {"Enabled": False, "AttributeName": "exp"}


def test_ttl_steps_honour_the_last_change() -> None:
    last = NOW - timedelta(minutes=20)
    disable, enable = plan([ChangeTtl("T", "exp", "expiresAt")], now=NOW, ttl_last_changed={"T": last}).steps
    assert disable.not_before == NOW + timedelta(minutes=40)
    assert enable.not_before == NOW + timedelta(minutes=100)
    long_ago = plan([EnableTtl("T", "exp")], now=NOW, ttl_last_changed={"T": NOW - timedelta(hours=3)})
    assert long_ago.steps[0].not_before is None


def test_ttl_change_in_flight_blocks_for_an_hour() -> None:
    observed = replace(TableSpec("T", PK), extra=(("ttl_status", "ENABLING"),))
    [step] = plan([EnableTtl("T", "exp")], now=NOW, actual={"T": observed}).steps
    assert step.not_before == NOW + timedelta(hours=1)


# --------------------------------------------------------------------------------------------
# Quotas and plan errors (rules §3.3)
# --------------------------------------------------------------------------------------------


def _issues(result: Plan) -> list[tuple[str, str]]:
    return [(i.severity, i.rule) for i in result.issues]


def test_too_many_gsis() -> None:
    table = TableSpec("T", PK, gsis=tuple(gsi(f"g{n:02d}", f"a{n}") for n in range(20)))
    assert plan([], now=NOW, actual={"T": table}).ok
    result = plan([CreateGlobalIndex("T", gsi("one-more", "z"))], now=NOW, actual={"T": table})
    assert _issues(result) == [("error", "DDB201")]
    assert not result.ok
    assert "21 GSIs" in result.issues[0].message
    # A replace needs a 21st index while the old one still exists.
    replace_op = ReplaceGlobalIndex("T", table.gsis[0], replace(table.gsis[0], name="g00-v2", sort=SK))
    assert _issues(plan([replace_op], now=NOW, actual={"T": table})) == [("error", "DDB201")]
    assert plan([replace_op], now=NOW, actual={"T": table}, options=PlanOptions(gsi_quota=25)).ok


def test_too_many_lsis_and_projected_attributes() -> None:
    lsis = tuple(Index(f"lsi{n}", "LSI", PK, KeyAttribute(f"s{n}", "S")) for n in range(6))
    assert _issues(plan([CreateTable(TableSpec("Tbl", PK, SK, lsis=lsis))], now=NOW)) == [("error", "DDB202")]
    wide = Projection("INCLUDE", tuple(f"a{n:03d}" for n in range(51)))
    spec = TableSpec("Tbl", PK, gsis=(gsi("one", "x", projection=wide), gsi("two", "y", projection=wide)))
    result = plan([CreateTable(spec)], now=NOW)
    assert _issues(result) == [("error", "DDB203")]
    assert "102 projected" in result.issues[0].message


def test_invalid_names_and_conflicting_key_types() -> None:
    result = plan(
        [CreateGlobalIndex("T", gsi("ab")), CreateGlobalIndex("T", gsi("bad name!", "g", "N"))],
        now=NOW,
        actual={"T": TableSpec("T", PK)},
    )
    assert sorted(_issues(result)) == [("error", "DDB204"), ("error", "DDB204"), ("error", "DDB206")]
    assert {i.message for i in result.issues if i.rule == "DDB204"} == {
        "invalid index name 'ab'",
        "invalid index name 'bad name!'",
    }


def test_provisioned_without_throughput_is_a_plan_error() -> None:
    result = plan([UpdateBilling("T", "PAY_PER_REQUEST", "PROVISIONED")], now=NOW)
    assert _issues(result) == [("error", "DDB205")]


def test_plan_needs_an_aware_clock() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan([], now=datetime(2025, 1, 1))


def test_plan_round_trips_through_dicts() -> None:
    result = plan(
        diff(ORDERS_WANTED, ORDERS), now=NOW, actual={"Orders": ORDERS}, ttl_last_changed={"Orders": NOW}
    )
    assert Plan.from_dict(result.to_dict()) == result
    assert set(result.rules) <= set(PLAN_RULES)


# --------------------------------------------------------------------------------------------
# Golden plans (hand-checked once; compared exactly)
# --------------------------------------------------------------------------------------------


def _golden_cases() -> dict[str, tuple[dict[str, TableSpec], Plan]]:
    new_table = replace(
        ORDERS_WANTED,
        name="Invoices",
        lsis=(Index("byDue", "LSI", PK, KeyAttribute("dueAt", "N"), Projection("KEYS_ONLY")),),
    )
    key_change = replace(ORDERS_WANTED, partition=KeyAttribute("pk", "N"))
    old = replace(ORDERS, deletion_protection=True, item_count=40)
    return {
        "orders_in_place": (
            {"Orders": ORDERS_WANTED},
            plan(diff(ORDERS_WANTED, ORDERS), now=NOW, actual={"Orders": ORDERS}),
        ),
        "create_table": ({"Invoices": new_table}, plan(diff(new_table, None), now=NOW)),
        "replace_table": (
            {"Orders": key_change},
            plan(diff(key_change, old), now=NOW, actual={"Orders": old}),
        ),
    }


@pytest.mark.parametrize("case", sorted(_golden_cases()))
def test_golden_plan(case: str) -> None:
    desired, result = _golden_cases()[case]
    text = render_migration(
        result,
        migration_id="0001",
        name=case,
        created_at=NOW,
        desired_specs=desired,
        environment="test",
        lift_version="0.0.0-test",
    )
    expected = (GOLDEN / f"{case}.yaml").read_text(encoding="utf-8")
    assert text == expected
