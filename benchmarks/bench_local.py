"""Local server start-up: `lift dynamorm test` until the user's command starts, per backend.

Measured in one run, side by side (medians of REPEAT runs, after one warm-up):

* floor: the backend's own start (start_server in a fresh Python process, imports included,
  until ListTables answers);
* plain java -jar: Amazon's documented command until ListTables answers (the jar baseline);
* bare moto: the least a moto-based server can do (BARE_MOTO below; the embedded baseline);
* test: `lift dynamorm test --backend B -- sh -c 'date +%s.%N > file'` for a project with 20
  models, from spawning the CLI to the command's first instruction;
* reuse: the same with --reuse against a warm server: the CLI hands the table work to the
  background daemon over its control channel (no boto3 import), which empties tables whose
  definition is unchanged instead of recreating them.

Targets: test overhead beyond the floor < 1 s; --reuse < 0.5 s total; jar start < 1.5 s and
<= 0.45x plain java -jar; embedded start < 0.5 s.

    python benchmarks/bench_local.py [REPEAT]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import Result, cpu_probe, report, save  # noqa: E402

REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 5
LIFT = [sys.executable, "-m", "liftcli", "dynamorm"]
FLOOR = """
import time, sys
t = time.perf_counter()
from liftcli.local import ServerSpec, start_server
with start_server(ServerSpec(backend=sys.argv[1])) as s:
    print(time.perf_counter() - t)
"""

# The least any moto-based server can do, without lift: import moto's DynamoDB handler, serve it
# with werkzeug on loopback, answer one ListTables (the collector off, as lift does while it
# starts). The embedded floor is compared with this in the same run.
BARE_MOTO = """
import time
t = time.perf_counter()
import gc, http.client, threading
gc.disable()
from moto.dynamodb.responses import DynamoHandler
from werkzeug.serving import make_server
from werkzeug.wrappers import Response
try:
    from moto.core.request import Request as Base
except ImportError:
    from werkzeug.wrappers import Request as Base

class Req(Base):
    from_wsgi_server = True

def app(environ, start_response):
    req = Req(environ)
    status, headers, body = DynamoHandler.dispatch(req, req.url, dict(req.headers))
    return Response(response=body, status=status, headers=headers)(environ, start_response)

server = make_server("127.0.0.1", 0, app, threaded=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
conn.request("POST", "/", body=b'{"Limit": 1}', headers={
    "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "X-Amz-Date": "20240101T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=abc/20240101/us-east-1/dynamodb/aws4_request, "
                     "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64})
response = conn.getresponse()
assert response.status == 200, response.read()
print(time.perf_counter() - t)
"""


def bare_moto() -> float:
    out = subprocess.run([sys.executable, "-c", BARE_MOTO], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def write_project(root: Path, n: int = 20) -> None:
    models = ["package models\n\nimport \"os\"\n\nvar _ = os.Getenv\n"]
    for i in range(n):
        table = f'os.Getenv("M{i}_TABLE")' if i % 2 else f'"table-{i}"'
        models.append(f"""
type M{i} struct {{
\tTenantID string `dynamorm:"pk"`
\tID       string `dynamorm:"sk"`
\tStatus   string `dynamorm:"index:gsi-status-{i},pk"`
\tExpires  int64  `dynamorm:"ttl"`
}}

func (M{i}) TableName() string {{ return {table} }}
""")
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "models/models.go").write_text("".join(models))
    (root / "go.mod").write_text("module example.com/bench\n\ngo 1.23\n\nrequire github.com/pay-theory/dynamorm v1.3.0\n")


def median(fn: object, repeat: int = REPEAT) -> tuple[float, list[float]]:
    fn()  # type: ignore[operator]
    samples = [fn() for _ in range(repeat)]  # type: ignore[operator]
    return statistics.median(samples), samples


def floor(backend: str) -> float:
    out = subprocess.run([sys.executable, "-c", FLOOR, backend], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def plain_java() -> float:
    from liftcli.local.backends import free_port
    from liftcli.local.client import client_for, is_healthy
    from liftcli.local.install import find_installation

    inst = find_installation()
    assert inst is not None, "run `lift dynamorm local install` first"
    port = free_port()
    client = client_for(f"http://127.0.0.1:{port}", probe=True)
    t = time.perf_counter()
    proc = subprocess.Popen(["java", f"-Djava.library.path={inst.layout.lib}", "-jar", str(inst.jar), "-inMemory",
                             "-sharedDb", "-disableTelemetry", "-port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    try:
        while not is_healthy("", client=client):
            time.sleep(0.01)
        return time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait()


def until_command(project: Path, *args: str) -> float:
    mark = project / "started"
    mark.unlink(missing_ok=True)
    t = time.time()
    subprocess.run([*LIFT, "test", *args, "--", "sh", "-c", f"date +%s.%N > {mark}"], cwd=project, check=True,
                   capture_output=True)
    return float(mark.read_text()) - t


def main() -> None:
    load_before = os.getloadavg()[0]
    probe_before = cpu_probe()
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note: PYTHONDONTWRITEBYTECODE is set: liftcli's own modules are compiled on every CLI start")
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        write_project(project)
        plain, plain_s = median(plain_java)
        bare, bare_s = median(bare_moto)
        for backend in ("jar", "embedded"):
            fl, fl_s = median(lambda b=backend: floor(b))
            run, run_s = median(lambda b=backend: until_command(project, "--backend", b))
            if backend == "jar":
                results.append(Result("jar start (floor)", "s", fl, "plain java -jar", plain,
                                      f"< 1.5 s and <= 0.45x plain java -jar ({plain:.3f} s)",
                                      fl < 1.5 and fl <= 0.45 * plain, {"samples": fl_s, "plain_samples": plain_s}))
            else:
                results.append(Result("embedded start (floor)", "s", fl, "bare moto server, no lift code", bare,
                                      "< 0.5 s", fl < 0.5, {"samples": fl_s, "bare_samples": bare_s}))
            results.append(Result(f"test --backend {backend} until command", "s", run, f"{backend} floor", fl,
                                  "overhead beyond the floor < 1 s", run - fl < 1.0,
                                  {"samples": run_s, "overhead_s": run - fl}))
            until_command(project, "--backend", backend, "--reuse")  # leaves the warm server
            try:
                warm, warm_s = median(lambda b=backend: until_command(project, "--backend", b, "--reuse"))
            finally:
                subprocess.run([*LIFT, "local", "stop"], cwd=project, capture_output=True)
            results.append(Result(f"test --reuse ({backend}) until command", "s", warm, f"{backend} floor", fl,
                                  "< 0.5 s total", warm < 0.5, {"samples": warm_s}))
    report(results)
    print("saved", save(results, "bench_local"))
    print(f"(cpus {os.cpu_count()}, 1-min load {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"cpu probe {probe_before * 1000:.0f} ms before, {cpu_probe() * 1000:.0f} ms after)")


if __name__ == "__main__":
    main()
