"""Invariants over random desired/actual pairs (style.md §3 "a second free invariant").

- diff(desired, apply_ops(actual, diff(desired, actual))) == []
- op.reverse().reverse() == op and op_from_dict(op.to_dict()) == op for every op diff emits
- every plan of those ops keeps one GSI create/delete per UpdateTable call (rules §3.1)
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liftcli.dynamorm.compare import CompareOptions, compare
from liftcli.dynamorm.diff import apply_all, apply_ops, diff, diff_tables
from liftcli.dynamorm.model import Index, KeyAttribute, Projection
from liftcli.dynamorm.ops import op_from_dict
from liftcli.dynamorm.plan import plan
from liftcli.dynamorm.spec import TableSpec, Throughput

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
ATTRS = ("pk", "sk", "a", "b")
GSI_NAMES = ("gsi1", "gsi2", "gsi1-v2", "gsi3")  # a versioned name exercises replace leftovers
LSI_NAMES = ("lsi1", "lsi2")

keys = st.builds(KeyAttribute, st.sampled_from(ATTRS), st.sampled_from(("S", "N", "B")))
projections = st.one_of(
    st.just(Projection()),
    st.just(Projection("KEYS_ONLY")),
    # Unsorted on purpose: projected attributes are a set (dynamorm-facts §5.6 item 11).
    st.builds(
        lambda attrs: Projection("INCLUDE", tuple(attrs)),
        st.lists(st.sampled_from(("x", "y", "z")), min_size=1, unique=True),
    ),
)


@st.composite
def gsis(draw: st.DrawFn) -> tuple[Index, ...]:
    names = draw(st.sets(st.sampled_from(GSI_NAMES), max_size=3))
    return tuple(
        Index(n, "GSI", draw(keys), draw(st.none() | keys), draw(projections)) for n in sorted(names)
    )


@st.composite
def table_specs(draw: st.DrawFn, *, observed: bool) -> TableSpec:
    partition = draw(keys)
    names = draw(st.sets(st.sampled_from(LSI_NAMES), max_size=2))
    lsis = tuple(Index(n, "LSI", partition, draw(keys), draw(projections)) for n in sorted(names))
    sort = draw(keys) if lsis else draw(st.none() | keys)
    billing = draw(st.sampled_from((None, "PAY_PER_REQUEST", "PROVISIONED")))
    throughput = None
    if billing == "PROVISIONED":
        throughput = draw(st.none() | st.builds(Throughput, st.integers(1, 3), st.integers(1, 3)))
    ttl = draw(st.sampled_from(((None, None), (False, None), (True, "ttl"), (True, "expiresAt"))))
    stream_enabled = draw(st.sampled_from((None, False, True)))
    view = draw(st.sampled_from((None, "KEYS_ONLY", "NEW_IMAGE"))) if stream_enabled else None
    status = draw(st.sampled_from((None, "ACTIVE", "UPDATING"))) if observed else None
    spec_gsis = draw(gsis())
    index_status = tuple((g.name, draw(st.sampled_from(("ACTIVE", "CREATING")))) for g in spec_gsis)
    return TableSpec(
        name="Orders",
        partition=partition,
        sort=sort,
        gsis=spec_gsis,
        lsis=lsis,
        billing_mode=billing,
        throughput=throughput,
        ttl_enabled=ttl[0],
        ttl_attribute=ttl[1],
        stream_enabled=stream_enabled,
        stream_view=view,
        pitr=draw(st.sampled_from((None, False, True))),
        deletion_protection=draw(st.sampled_from((None, False, True))),
        table_class=draw(st.sampled_from((None, "STANDARD", "STANDARD_INFREQUENT_ACCESS"))),
        sse=draw(st.sampled_from((None, "DEFAULT", "KMS"))),
        status=status,
        index_status=index_status if observed else (),
    )


# Field groups an actual table takes from the desired one or from an unrelated table: mixing
# them makes in-place changes (not only "everything differs -> replace table") common.
_GROUPS = (
    ("partition", "sort", "lsis"),
    ("gsis", "index_status"),
    ("billing_mode", "throughput"),
    ("ttl_enabled", "ttl_attribute"),
    ("stream_enabled", "stream_view"),
    ("pitr",),
    ("deletion_protection",),
    ("table_class",),
    ("sse",),
)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[TableSpec | None, TableSpec | None]:
    desired = draw(table_specs(observed=False))
    other = draw(table_specs(observed=True))
    changes = {}
    for group in _GROUPS:
        source = other if draw(st.integers(0, 3)) == 0 else desired
        changes.update({name: getattr(source, name) for name in group})
    actual = replace(other, **changes)
    actual = replace(actual, index_status=tuple((g.name, "ACTIVE") for g in actual.gsis))
    presence = draw(st.integers(0, 9))  # 0: no desired table, 1: no actual table
    return (None if presence == 0 else desired), (None if presence == 1 else actual)


ignore_options = st.builds(
    CompareOptions,
    ignore_settings=st.lists(st.sampled_from(("billing", "stream", "pitr", "ttl", "sse")), max_size=2).map(
        tuple
    ),
    ignore_indexes=st.sampled_from(((), ("gsi2",), ("Orders/gsi1*",))),
)

# database=None: no .hypothesis/ directory in the working tree.
PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(pairs())
def test_apply_of_diff_leaves_nothing_to_do(pair: tuple[TableSpec | None, TableSpec | None]) -> None:
    desired, actual = pair
    ops = diff(desired, actual)
    after = apply_ops(actual, ops)
    assert diff(desired, after) == []
    if desired is not None:
        assert after is not None
    # No hard requirement is left broken either (only DM-G006/DM-T003/DM-G005 may remain).
    leftover = {f.rule for f in compare(desired, after) if f.severity == "error"}
    assert leftover <= {"DM-G006"}


@PROPERTY
@given(pairs(), ignore_options)
def test_roundtrip_holds_under_ignore_options(
    pair: tuple[TableSpec | None, TableSpec | None], options: CompareOptions
) -> None:
    desired, actual = pair
    ops = diff(desired, actual, options=options)
    assert diff(desired, apply_ops(actual, ops), options=options) == []
    touched = {op.kind for op in ops}
    if "billing" in options.ignore_settings:
        assert "update_billing" not in touched
    if "ttl" in options.ignore_settings:
        assert not touched & {"enable_ttl", "disable_ttl", "change_ttl"}


@PROPERTY
@given(pairs())
def test_every_op_reverses_and_serialises(pair: tuple[TableSpec | None, TableSpec | None]) -> None:
    desired, actual = pair
    for op in diff(desired, actual):
        assert op.reverse().reverse() == op
        assert op.reverse() != op
        data = json.loads(json.dumps(op.to_dict()))  # JSON-able, and survives a JSON round trip
        assert op_from_dict(data) == op


@PROPERTY
@given(pairs())
def test_reverse_ops_undo_the_change(pair: tuple[TableSpec | None, TableSpec | None]) -> None:
    desired, actual = pair
    ops = diff(desired, actual)
    after = apply_ops(actual, ops)
    undone = apply_ops(after, [op.reverse() for op in reversed(ops)])
    if actual is None:
        assert undone is None
    else:
        assert undone is not None
        # Names may differ (a replacement table is <name>-v2); everything else is restored.
        assert diff(actual, undone) == [] or actual.name != undone.name


@PROPERTY
@given(pairs())
def test_plans_respect_one_gsi_change_per_update_table(
    pair: tuple[TableSpec | None, TableSpec | None],
) -> None:
    desired, actual = pair
    ops = diff(desired, actual)
    result = plan(ops, now=NOW, actual={"Orders": actual})
    assert [s.id for s in result.steps] == [f"{n:03d}" for n in range(1, len(result.steps) + 1)]
    for step in result.steps:
        for call in step.calls:
            updates = call.request.get("GlobalSecondaryIndexUpdates", [])
            structural = [u for u in updates if "Create" in u or "Delete" in u]
            assert len(structural) <= 1
            if structural:
                assert step.wait is not None and step.wait.kind in ("index-active", "index-gone")
        assert step.calls or step.manual


@PROPERTY
@given(pairs())
def test_many_table_diff_matches_single_table_diff(pair: tuple[TableSpec | None, TableSpec | None]) -> None:
    desired, actual = pair
    desired_map = {} if desired is None else {"Orders": desired}
    actual_map: dict[str, TableSpec | None] = {"Orders": actual}
    ops = diff_tables(desired_map, actual_map, delete_unmanaged=True)
    assert ops == diff(
        desired, actual, taken_tables=frozenset(desired_map) | ({"Orders"} if actual else set())
    )
    after = apply_all(actual_map, ops)
    assert diff_tables(desired_map, after, delete_unmanaged=True) == []


@PROPERTY
@given(table_specs(observed=False))
def test_a_spec_matches_itself(spec: TableSpec) -> None:
    assert compare(spec, spec) == []
    assert diff(spec, spec) == []
