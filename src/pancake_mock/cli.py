"""The `pancake-mock` command: `serve` the mock, `lint` the contract, `verify` a deployment."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import DEFAULT_PORT, lint, verify


def _serve(args: argparse.Namespace) -> int:
    # The server stack loads only to serve: lint and verify start without it.
    import uvicorn

    from .app import ConfigError, Mock, Settings

    host_for_urls = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    settings = Settings(
        data_dir=Path(args.data_dir).resolve(),
        base_url=args.base_url or f"http://{host_for_urls}:{args.port}",
        seed=args.seed,
        database_url=args.database_url,
        seller_country=args.seller_country,
        tax_rates=Path(args.tax_rates).resolve() if args.tax_rates else None,
        ip_fixtures=Path(args.ip_fixtures).resolve() if args.ip_fixtures else None,
    )
    try:
        mock = Mock(settings)  # seeds an empty data dir and writes credentials.json before workers start
    except ConfigError as error:
        print(f"pancake-mock: {error}", file=sys.stderr)
        return 2
    existing_seed = mock.store_seed()
    if existing_seed != settings.seed:
        print(f"note: {settings.data_dir} was seeded with --seed {existing_seed}; ids follow that seed")
    creds = mock.credentials
    print(f"pancake-mock ready on {settings.base_url}")
    print(f"  merchant     {creds['merchantId']}")
    print(f"  stores       {', '.join(s['id'] for s in creds['stores'])}")
    print(f"  credentials  {mock.credentials_path}")
    print(f"  control      {settings.base_url}/_mock/orders")
    os.environ.update(settings.to_env())
    uvicorn.run(
        "pancake_mock.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pancake-mock", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the mock server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--data-dir", default=".pancake-mock", help="state, credentials.json (default: %(default)s)")
    serve.add_argument("--seed", type=int, default=0, help="fixtures and ids of a fresh data dir (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="processes sharing the one store")
    serve.add_argument("--database-url", help="SQLAlchemy URL instead of the SQLite file in the data dir")
    serve.add_argument("--base-url", help="public URL of this mock, if not http://HOST:PORT")
    serve.add_argument("--seller-country", help="ISO code where the merchant of record is established")
    serve.add_argument("--tax-rates", metavar="FILE", help="a rates.toml to use instead of the packaged one")
    serve.add_argument("--ip-fixtures", metavar="FILE", help="an ip_fixtures.json to use instead of the packaged one")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--access-log", action="store_true")
    lint.add_parser(commands)
    verify.add_parser(commands)
    args = parser.parse_args(argv)
    return {"serve": _serve, "lint": lint.run, "verify": verify.run}[args.command](args)
