"""A relative ``[probe] token_file`` is read from the directory the command runs in, not the
manifest's (docs/manifest.md says so; ``config`` is the manifest's): a meaning kept, pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.credentials import read_token
from probe.errors import ManifestError
from probe.manifest import load


def test_relative_token_file_is_read_from_the_current_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    beside, here = tmp_path / "manifests", tmp_path / "cwd"
    beside.mkdir()
    here.mkdir()
    (beside / "token").write_text("beside-the-manifest\n")
    (here / "token").write_text("in-the-current-directory\n")
    manifest = beside / "m.toml"
    manifest.write_text('[probe]\ntoken_file = "token"\nconfig = "nginx.conf"\n'
                        '[instances.a]\nlabel = "a"\nurls = ["http://a.test/"]\n')
    monkeypatch.chdir(here)
    settings = load(manifest).probe
    assert read_token(settings, {}) == "in-the-current-directory"
    assert settings.config == str(beside / "nginx.conf")  # config: the manifest's directory
    (here / "token").unlink()
    with pytest.raises(ManifestError, match="token file 'token' cannot be read"):
        read_token(settings, {})
