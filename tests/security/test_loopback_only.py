"""Every local server listens on 127.0.0.1 only.

The listening TCP sockets of a process are found the way `ss -ltnp` finds them, without psutil:
the socket inodes behind /proc/<pid>/fd/* matched with the LISTEN rows of /proc/net/tcp and
/proc/net/tcp6. Checked for both backends that run here (the DynamoDB Local jar and the embedded
moto server) started through `liftcli.local.start_server` (with a free and with a fixed port) and
through `lift dynamorm local start --backend X` (the daemon and its JVM); and statically for the
docker compose files (the repository's and the one `lift dynamorm init` writes).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from click.testing import CliRunner

from liftcli.cli import lift_group
from liftcli.local import ServerSpec, start_server
from tests.conftest import _DDB_CACHE, require_backend

REPO = Path(__file__).resolve().parents[2]
BACKENDS = ["embedded", "jar"]
LISTEN = "0A"


def _decode_address(hex_addr: str) -> str:
    """/proc/net/tcp{,6} local address (host byte order per 32-bit word) as an IP string."""
    raw = bytes.fromhex(hex_addr)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def _listening_rows() -> dict[int, tuple[str, int]]:
    """inode -> (address, port) for every listening TCP socket of this network namespace."""
    rows: dict[int, tuple[str, int]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state == LISTEN:
                addr, port = local.split(":")
                rows[inode] = (_decode_address(addr), int(port, 16))
    return rows


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket process ``pid`` listens on."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    rows = _listening_rows()
    return sorted(rows[i] for i in inodes if i in rows)


def is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def assert_loopback_only(pids: list[int], endpoint: str) -> None:
    port = urlparse(endpoint).port
    assert urlparse(endpoint).hostname == "127.0.0.1", endpoint
    found = [(pid, addr, p) for pid in pids for addr, p in listening_sockets(pid)]
    assert any(p == port for _, _, p in found), f"nothing of pids {pids} listens on {port}: {found}"
    exposed = [(pid, addr, p) for pid, addr, p in found if not is_loopback(addr)]
    assert not exposed, f"listening beyond loopback (pid, address, port): {exposed}"


def test_the_socket_reader_sees_a_wildcard_bind() -> None:
    """Guard: the reader finds this process's sockets and tells 0.0.0.0/:: from 127.0.0.1."""
    opened = []
    try:
        for family, host in (
            (socket.AF_INET, "0.0.0.0"),
            (socket.AF_INET, "127.0.0.1"),
            (socket.AF_INET6, "::"),
        ):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.bind((host, 0))
            s.listen()
            opened.append((s, host, s.getsockname()[1]))
        mine = listening_sockets(os.getpid())
        for _, host, port in opened:
            assert (str(ipaddress.ip_address(host)), port) in mine
        assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("10.1.2.3")
        assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    finally:
        for s, _, _ in opened:
            s.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.integration
@pytest.mark.parametrize("fixed_port", [False, True], ids=["free-port", "fixed-port"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_start_server_listens_on_loopback_only(backend: str, fixed_port: bool) -> None:
    require_backend(backend)
    spec = ServerSpec(
        backend=backend,
        port=_free_port() if fixed_port else None,  # type: ignore[arg-type]
        cache_dir=Path(_DDB_CACHE) if _DDB_CACHE else None,
        start_timeout=60,
    )
    with start_server(spec) as server:
        assert server.backend == backend
        if spec.port:
            assert server.endpoint == f"http://127.0.0.1:{spec.port}"
        pid = server.pid or os.getpid()  # the embedded server runs in this process
        if backend == "jar":
            assert pid != os.getpid()
        assert_loopback_only([pid], server.endpoint)


@pytest.mark.integration
@pytest.mark.parametrize("backend", BACKENDS)
def test_local_start_listens_on_loopback_only(backend: str, tmp_path: Path) -> None:
    require_backend(backend)
    env = dict(os.environ)

    def lift(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "liftcli", "dynamorm", "local", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    started = lift("start", "--backend", backend, "--format", "json")
    assert started.returncode == 0, started.stderr
    try:
        shown = json.loads(started.stdout)
        record = json.loads((tmp_path / ".lift" / "dynamorm" / "local.json").read_text())
        assert shown["endpoint"] == record["endpoint"]
        pids = [record["pid"]] + ([record["server_pid"]] if record.get("server_pid") else [])
        if backend == "jar":
            assert len(pids) == 2, record
        assert_loopback_only(pids, record["endpoint"])
    finally:
        stopped = lift("stop")
    assert stopped.returncode == 0, stopped.stderr


def _published_ports(compose: dict) -> list[str]:  # type: ignore[type-arg]
    ports = []
    for service in (compose.get("services") or {}).values():
        for entry in service.get("ports") or []:
            if isinstance(entry, dict):  # long syntax
                ports.append(f"{entry.get('host_ip', '')}:{entry.get('published')}:{entry.get('target')}")
            else:
                ports.append(str(entry))
    return ports


def _assert_compose_loopback(text: str, where: str) -> None:
    compose = yaml.safe_load(text)
    ports = _published_ports(compose)
    assert ports, f"{where}: no published port"
    for entry in ports:
        assert entry.startswith("127.0.0.1:") and entry.count(":") == 2, (
            f"{where}: {entry!r} not bound to 127.0.0.1"
        )
    for service in compose["services"].values():
        assert service.get("network_mode") != "host", f"{where}: host networking bypasses the port binding"


def test_repository_compose_publishes_on_loopback_only() -> None:
    _assert_compose_loopback((REPO / "docker-compose.yml").read_text(), "docker-compose.yml")


def test_init_compose_publishes_on_loopback_only(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "go.mod").write_text("module example.com/app\n\ngo 1.23\n")
    result = CliRunner().invoke(lift_group, ["dynamorm", "init", "--yes", "--compose", "--iac", "none"])
    assert result.exit_code == 0, result.output
    _assert_compose_loopback((project / "docker-compose.yml").read_text(), "init's docker-compose.yml")
    # merged into an existing compose file that has no DynamoDB Local
    other = project.parent / "merge"
    other.mkdir()
    (other / "go.mod").write_text("module example.com/app\n\ngo 1.23\n")
    (other / "docker-compose.yml").write_text(
        "services:\n  redis:\n    image: redis:7\n    ports: ['127.0.0.1:6379:6379']\n"
    )
    monkeypatch.chdir(other)
    result = CliRunner().invoke(lift_group, ["dynamorm", "init", "--yes", "--compose", "--iac", "none"])
    assert result.exit_code == 0, result.output
    _assert_compose_loopback((other / "docker-compose.yml").read_text(), "merged docker-compose.yml")
    assert "dynamodb-local" in yaml.safe_load((other / "docker-compose.yml").read_text())["services"]
