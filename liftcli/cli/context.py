"""Per-invocation state of the CLI: settings (loaded on first use) and output consoles."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from liftcli.config import Settings


def make_console(*, stderr: bool) -> Console:
    """A rich console built per invocation (so CliRunner and NO_COLOR are honoured)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(
        file=stream,
        no_color=no_color,
        highlight=False,
        soft_wrap=False,
        emoji=False,
    )


@dataclass
class AppContext:
    """What a command needs from the environment, built from the shared options."""

    config_path: str | None = None
    env_name: str | None = None
    models: tuple[str, ...] = ()
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    cwd: Path = field(default_factory=Path.cwd)
    _settings: Settings | None = None
    _out: Console | None = None
    _err: Console | None = None

    @classmethod
    def from_options(cls, **options: Any) -> AppContext:
        known = {k: options.get(k) for k in ("config_path", "env_name", "region", "profile", "endpoint_url")}
        return cls(models=tuple(options.get("models") or ()), **known)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from liftcli.config import Overrides, load_config, resolve_settings

            config = load_config(Path(self.config_path) if self.config_path else None, cwd=self.cwd)
            self._settings = resolve_settings(
                config,
                Overrides(
                    env=self.env_name,
                    models=self.models,
                    region=self.region,
                    profile=self.profile,
                    endpoint_url=self.endpoint_url,
                ),
            )
        return self._settings

    @property
    def out(self) -> Console:
        if self._out is None:
            self._out = make_console(stderr=False)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = make_console(stderr=True)
        return self._err
