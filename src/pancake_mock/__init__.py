"""pancake-mock: a stateful mock server and contract kit for the Waffo Pancake API."""

__version__ = "0.1.0"
