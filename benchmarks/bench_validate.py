"""`validate` of 200 tables against DynamoDB Local, next to 200 sequential describe_table calls.

Target (issue 4): at most 0.3x the time of the sequential loop measured in the same run.
Both sides use the same kind of boto3 client against the same server; validate also reads TTL
for every table (DescribeTimeToLive), so it makes twice the calls.

Run: python benchmarks/bench_validate.py [--tables 200] [--backend jar|embedded]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, report, save, timed  # noqa: E402

MODEL = '''
type T{i:03d} struct {{
	TenantID string `dynamorm:"pk"`
	ItemID   string `dynamorm:"sk"`
	Status   string `dynamorm:"index:gsi-status,pk"`
	Expires  int64  `dynamorm:"ttl"`
}}

func (T{i:03d}) TableName() string {{ return "bench-table-{i:03d}" }}
'''


def run(tables: int, backend: str) -> list[Result]:
    from liftcli.config import Overrides, load_config, resolve_settings
    from liftcli.dynamorm.compare import CompareOptions
    from liftcli.dynamorm.project import load_project
    from liftcli.dynamorm.validate import validate_endpoint
    from liftcli.local import ServerSpec, client_for, create_tables, start_server

    with tempfile.TemporaryDirectory() as tmp, start_server(ServerSpec(backend=backend)) as server:
        root = Path(tmp)
        (root / "go.mod").write_text("module b\n\ngo 1.25\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n")
        (root / "models.go").write_text("package b\n" + "".join(MODEL.format(i=i) for i in range(tables)))
        settings = resolve_settings(load_config(cwd=root), Overrides(endpoint_url=server.endpoint), {})
        project = load_project(settings, cwd=root)
        client = client_for(server.endpoint, server.region)
        create_tables(client, project.models)
        names = [m.table.resolved for m in project.models]

        def sequential() -> None:
            for name in names:
                client.describe_table(TableName=name)

        def validate() -> None:
            result = validate_endpoint(project, client, endpoint_kind="dynamodb-local", target=server.endpoint,
                                       options=CompareOptions(), concurrency=16)
            assert not result.failing("warning"), result.findings[:3]

        base, base_samples = timed(sequential, repeat=3)
        ours, our_samples = timed(validate, repeat=3)
        backend_used = server.backend
        results = [Result(f"validate {tables} tables ({backend_used}, loopback)", "s", ours,
                          f"{tables} sequential describe_table", base, "<= 0.3x", ours <= 0.3 * base,
                          {"samples": our_samples, "baseline_samples": base_samples, "backend": backend_used})]
        # The same server behind a 20 ms link, as AWS is from a CI runner: concurrency pays off
        # when the time goes into waiting, not into the two cores client and server share here.
        from _latency_proxy import LatencyProxy

        host, port = server.endpoint.rsplit("/", 1)[-1].split(":")
        with LatencyProxy(host, int(port), 0.020) as proxy:
            client = client_for(proxy.endpoint, server.region)

            def sequential_far() -> None:
                for name in names:
                    client.describe_table(TableName=name)

            def validate_far() -> None:
                result = validate_endpoint(project, client, endpoint_kind="dynamodb-local", target=proxy.endpoint,
                                           options=CompareOptions(), concurrency=16)
                assert not result.failing("warning")

            far_base, far_base_samples = timed(sequential_far, repeat=1)
            far, far_samples = timed(validate_far, repeat=1)
        results.append(Result(f"validate {tables} tables ({backend_used}, +20 ms per request)", "s", far,
                              f"{tables} sequential describe_table (+20 ms)", far_base, "<= 0.3x",
                              far <= 0.3 * far_base, {"samples": far_samples, "baseline_samples": far_base_samples}))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--backend", default="jar", choices=["jar", "embedded", "auto"])
    args = parser.parse_args()
    results = run(args.tables, args.backend)
    report(results)
    save(results, "validate")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
