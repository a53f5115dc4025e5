"""Where packaged data lives: the scaffold templates.

In a checkout the templates are the top-level ``scaffolds/`` folder; in a wheel they are
``liftcli/scaffolds`` (pyproject force-includes the folder there). Both are looked up so the
editable install, the test suite and an installed wheel behave the same.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_MARKER = "README.md"


@lru_cache(maxsize=1)
def scaffolds_root() -> Path:
    """The directory holding one folder per scaffold.

    Raises:
        FileNotFoundError: neither the installed nor the checkout location exists (a broken
            install); the message names both places looked at.
    """
    package_dir = Path(__file__).resolve().parent
    candidates = (package_dir / "scaffolds", package_dir.parent / "scaffolds")
    for candidate in candidates:
        if (candidate / _MARKER).is_file():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"scaffold templates not found (looked in {looked}); reinstall lift-dynamorm")
