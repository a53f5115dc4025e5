"""Fast, loopback-only starts of DynamoDBLocal.jar.

Two problems with the stock jar, and what we do about them (measured in the research notes
behind docs/local.md):

* DynamoDB Local has no host option: ``-help`` lists only -port, -inMemory, -dbPath, -sharedDb,
  -cors, -delayTransientStatuses, -optimizeDbBeforeStartup, -disableTelemetry, and Jetty binds
  every interface. A 40-line launcher (``LoopbackDynamoDBLocal``, compiled at install time)
  builds the server with DynamoDB Local's own argument parser, sets the Jetty connector's host
  to 127.0.0.1 before starting it, accepts ``-port 0`` and prints the port the OS chose. Without
  javac we fall back to the stock main class and say that it listens on all interfaces.
* A plain ``java -jar`` takes 1.5-3.7 s until ListTables answers. C1 only + SerialGC roughly
  halves that; an AppCDS archive (JDK 13+ ``-XX:ArchiveClassesAtExit``) recorded by one training
  run at install time brings it to ~0.7 s. HotSpot refuses CDS when a non-empty directory is on
  the class path, and the stock manifest's ``Class-Path`` starts with ``.``, so CDS runs use a
  copy of the jar whose manifest lists only the DynamoDBLocal_lib/*.jar entries.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from liftcli.errors import LocalServerError

LAUNCHER_CLASS = "LoopbackDynamoDBLocal"
LAUNCHER_JAR = "lift-loopback-launcher.jar"
CDS_JAR = "DynamoDBLocal-cds.jar"
CDS_ARCHIVE = "lift-dynamodb-local.jsa"
READY_MARK = "DDBLOCAL_READY"
# C1 only: the server is short-lived and C2's compile threads cost more than they give back;
# SerialGC: one small heap, no parallel GC threads to spin up (research: 3.3 s -> 1.9 s).
# log4j-api's SimpleLogger instead of log4j-core: DynamoDB Local's log4j2.xml only sends WARN
# and above to the console, which SimpleLogger at WARN does too, but log4j-core's start-up
# (plugin scan, XML configuration, JMX) is ~0.1 s of every start (benchmarks/bench_local.py).
FAST_JVM_FLAGS = (
    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
    "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
    "-Dorg.apache.logging.log4j.simplelog.level=WARN",
)
# Bumped whenever FAST_JVM_FLAGS, the launcher or the training change: `local install` then
# re-records the fast-start files of an existing installation.
FAST_START_FORMAT = 2

LAUNCHER_SOURCE = """\
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** DynamoDB Local bound to one host (ddblocal.host, default 127.0.0.1); "-port 0" = OS-chosen. */
public final class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("ddblocal.host", "127.0.0.1");
        boolean ephemeral = false;
        args = args.clone();
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equalsIgnoreCase("-port") && args[i + 1].equals("0")) {
                args[i + 1] = "65535";  // DynamoDB Local's parser rejects 0; replaced below
                ephemeral = true;
            }
        }
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Server jetty = (Server) f.get(proxy);
        for (Connector c : jetty.getConnectors()) {
            if (c instanceof ServerConnector) {
                ((ServerConnector) c).setHost(host);
                if (ephemeral) {
                    ((ServerConnector) c).setPort(0);
                }
            }
        }
        proxy.start();
        int port = -1;
        for (Connector c : jetty.getConnectors()) {
            if (c instanceof ServerConnector) {
                port = ((ServerConnector) c).getLocalPort();
            }
        }
        System.out.println("DDBLOCAL_READY " + host + ":" + port);
        System.out.flush();
    }
}
"""


@dataclass(frozen=True, slots=True)
class JarLayout:
    """Where the pieces of one DynamoDB Local installation are."""

    directory: Path
    launcher: Path | None = None  # lift-loopback-launcher.jar, when compiled
    cds_jar: Path | None = None
    cds_archive: Path | None = None

    @property
    def jar(self) -> Path:
        return self.directory / "DynamoDBLocal.jar"

    @property
    def lib(self) -> Path:
        return self.directory / "DynamoDBLocal_lib"


def find_java(java: str | None = None, environ: dict[str, str] | None = None) -> str | None:
    """``java`` as given, else $JAVA_HOME/bin/java, else java on PATH."""
    env = os.environ if environ is None else environ
    if java:
        return shutil.which(java) or (java if Path(java).exists() else None)
    home = env.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def java_version(java: str) -> tuple[int, str]:
    """(major, full version text) of ``java``, e.g. (17, '17.0.15')."""
    done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    match = re.search(r'version "([^"]+)"', done.stderr)
    if not match:
        raise LocalServerError(f"could not read the version of {java}: {done.stderr.strip()[:200]}")
    text = match.group(1)
    major = int(text.split(".")[1] if text.startswith("1.") else re.split(r"[.+-]", text)[0])
    return major, text


def jvm_command(
    layout: JarLayout, java: str, server_args: list[str], *, use_cds: bool = True, extra: tuple[str, ...] = ()
) -> list[str]:
    """The java command line for ``layout`` (launcher + CDS when present, else ``-jar``)."""
    cmd = [java, *FAST_JVM_FLAGS, *extra]
    if use_cds and layout.cds_archive and layout.cds_archive.exists():
        # -Xshare:auto: a stale archive (other JVM build) is ignored instead of failing the start.
        cmd += [f"-XX:SharedArchiveFile={layout.cds_archive}", "-Xshare:auto"]
    cmd.append(f"-Djava.library.path={layout.lib}")
    native = _native_library(layout.lib)
    if native is not None:
        # Load sqlite4java in place. Without these it copies the library to $TMPDIR on every
        # start and leaves the copy behind when the JVM is killed.
        cmd += [f"-Dorg.sqlite.lib.path={layout.lib}", f"-Dorg.sqlite.lib.name={native}"]
    # The CDS archive is only valid with the class path it was recorded with, so the rewritten
    # jar is used whenever it exists (it behaves exactly like the stock one).
    main_jar = layout.cds_jar if layout.cds_jar and layout.cds_jar.exists() else layout.jar
    if layout.launcher and layout.launcher.exists():
        cmd += ["-Dddblocal.host=127.0.0.1", "-cp", f"{layout.launcher}{os.pathsep}{main_jar}", LAUNCHER_CLASS]
    else:
        cmd += ["-jar", str(main_jar)]
    return cmd + server_args


def _native_library(lib: Path) -> str | None:
    """The sqlite4java native library for this machine inside DynamoDBLocal_lib, if any."""
    import platform

    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "aarch64", "arm64": "aarch64"}.get(
        platform.machine().lower()
    )
    system = platform.system().lower()
    if system != "linux" or arch is None:
        return None
    name = f"libsqlite4java-linux-{arch}.so"
    return name if (lib / name).exists() else None


def compile_launcher(directory: Path, javac: str | None = None) -> Path | None:
    """Compile the loopback launcher into ``directory``/lift-loopback-launcher.jar (None without javac)."""
    javac = javac or shutil.which("javac")
    if not javac:
        return None
    with tempfile.TemporaryDirectory(prefix="lift-launcher-") as tmp:
        src = Path(tmp) / f"{LAUNCHER_CLASS}.java"
        src.write_text(LAUNCHER_SOURCE, encoding="utf-8")
        classes = Path(tmp) / "classes"
        done = subprocess.run(
            [javac, "--release", "17", "-nowarn", "-cp", str(directory / "DynamoDBLocal.jar"), "-d", str(classes),
             str(src)],
            capture_output=True, text=True, timeout=120,
        )
        if done.returncode != 0:
            raise LocalServerError(f"compiling the loopback launcher failed: {done.stderr.strip()[-500:]}")
        out = directory / LAUNCHER_JAR
        with zipfile.ZipFile(out, "w") as jar:
            for cls in sorted(classes.rglob("*.class")):
                jar.write(cls, cls.relative_to(classes).as_posix())
    return out


def make_cds_jar(directory: Path) -> Path:
    """A copy of DynamoDBLocal.jar whose manifest Class-Path lists only jar entries (see module doc)."""
    src, dst = directory / "DynamoDBLocal.jar", directory / CDS_JAR
    tmp = dst.with_suffix(".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        attrs = _parse_manifest(zin.read("META-INF/MANIFEST.MF").decode())
        lines = []
        for key, value in attrs:
            if key == "Class-Path":
                value = " ".join(e for e in value.split() if e.endswith(".jar"))
            lines.append(_wrap72(f"{key}: {value}"))
        zout.writestr("META-INF/MANIFEST.MF", b"".join(lines) + b"\r\n")  # the JDK expects it first
        for info in zin.infolist():
            if info.filename != "META-INF/MANIFEST.MF":
                zout.writestr(info, zin.read(info.filename))
    os.replace(tmp, dst)
    return dst


def _parse_manifest(text: str) -> list[tuple[str, str]]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw.startswith(" ") and lines:
            lines[-1] += raw[1:]  # a continuation line
        else:
            lines.append(raw)
    return [(k, v.strip()) for k, v in (ln.split(":", 1) for ln in lines if ":" in ln)]


def _wrap72(line: str) -> bytes:
    data = line.encode()
    parts = [data[:72]]
    data = data[72:]
    while data:
        parts.append(b" " + data[:71])
        data = data[71:]
    return b"\r\n".join(parts) + b"\r\n"
