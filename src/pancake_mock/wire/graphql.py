"""`POST /v1/graphql`: every read, as a GraphQL query (openapi/pancake.graphql).

The engine (wire/graphql_execution.py, graphql-core) is imported at the first query: a worker that
serves none, as under a checkout load, does not carry it (about 5 MB).
"""

from __future__ import annotations

from ..domain import commands
from .handlers import operation
from .pipeline import Call


class Reads:
    @operation(commands.GraphqlQuery, writes=False)
    def graphql_query(self, call: Call, command: commands.GraphqlQuery) -> dict:
        from . import graphql_execution

        return graphql_execution.answer(call, command)
