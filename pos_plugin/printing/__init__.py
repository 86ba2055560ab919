"""Friendly receipt notes: templates, rendering, the durable print queue and its worker.

python-escpos caches its printer profiles in a pickle file, by default in the
system temp directory; it is pointed into the data directory here, before any
module of this package imports it. Two processes starting at once (the server
and a CLI command, or two test workers) can find the other's half-written
pickle, so that first load is tried again.
"""

import importlib
import os
import pickle
import sys
import time
from pathlib import Path

from pos_plugin.settings import DEFAULT_HOME

_home = Path(os.environ.get("POS_PLUGIN_HOME") or DEFAULT_HOME).resolve()
_cache = Path(os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(_home / "cache")))
_cache.mkdir(parents=True, exist_ok=True)

for _attempt in range(10):
    try:
        importlib.import_module("escpos.capabilities")
        break
    except (EOFError, pickle.UnpicklingError):
        sys.modules.pop("escpos.capabilities", None)
        time.sleep(0.1)
