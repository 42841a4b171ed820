"""pancake-mock: a stateful mock server and contract kit for the Waffo Pancake API."""

import warnings

__version__ = "0.1.0"
DEFAULT_PORT = 8750

# connexion imports starlette's test client at import time, which warns on every start.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
