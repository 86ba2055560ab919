"""python-escpos, loaded on first use: a server with no printer never pays for it.

Importing python-escpos costs about half a second and 10 MiB (it loads every
printer profile), so only the code that draws ESC/POS bytes or talks to a
printer calls `load()`. The library caches its profiles in a pickle file, by
default in the system temp directory; it is pointed into the data directory
first. Two processes starting at once (the server and a CLI command, or two
test workers) can find the other's half-written pickle, so that first load is
tried again.
"""

from __future__ import annotations

import importlib
import os
import pickle
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from pos_plugin.settings import DEFAULT_HOME


@dataclass(frozen=True)
class Escpos:
    capabilities: ModuleType
    exceptions: ModuleType
    magicencode: ModuleType
    printer: ModuleType


@cache
def load() -> Escpos:
    home = Path(os.environ.get("POS_PLUGIN_HOME") or DEFAULT_HOME).resolve()
    cache_dir = Path(os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(home / "cache")))
    cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for _attempt in range(9):
        try:
            capabilities = importlib.import_module("escpos.capabilities")
            break
        except (EOFError, pickle.UnpicklingError):
            sys.modules.pop("escpos.capabilities", None)
            time.sleep(0.1)
    else:
        capabilities = importlib.import_module("escpos.capabilities")
    return Escpos(
        capabilities=capabilities,
        exceptions=importlib.import_module("escpos.exceptions"),
        magicencode=importlib.import_module("escpos.magicencode"),
        printer=importlib.import_module("escpos.printer"),
    )
