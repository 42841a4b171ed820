"""The `contracts/` folder: schemathesis configuration, hooks, checks and the scenario suite.

A wheel carries it inside the package; a source checkout reads the top-level folder.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

_PACKAGE = Path(__file__).resolve().parents[1]
DIRECTORY = next(p for p in (_PACKAGE / "contracts", _PACKAGE.parents[1] / "contracts") if p.is_dir())


@cache
def load(name: str) -> ModuleType:
    """Import contracts/<name>.py once per process (checks register themselves on import)."""
    module_name = f"pancake_contracts.{name}"
    spec = importlib.util.spec_from_file_location(module_name, DIRECTORY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
