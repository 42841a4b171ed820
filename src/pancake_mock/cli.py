"""The `pancake-mock` command: `serve` the mock, `lint` the contract, `diff` two versions of it, `verify` a
deployment, print a shell `completion` script."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from . import DEFAULT_PORT, __version__, diff, lint, verify


def _serve(args: argparse.Namespace) -> int:
    # The server stack loads only to serve: lint and verify start without it.
    from . import server
    from .app import ConfigError, Mock, Settings
    from .wire.control_guard import TOKEN_HEADER, control_base_path, is_loopback

    # Bind before anything is written or announced: a taken port leaves no trace.
    try:
        sock = server.bind(args.host, args.port)
    except OSError as error:
        print(f"pancake-mock: cannot listen on {_address(args.host, args.port)}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    bound_host, port = sock.getsockname()[:2]
    everywhere = bound_host in ("0.0.0.0", "::")
    local_only = is_loopback(bound_host)
    token = None
    if not args.no_control_plane:
        token = args.control_token or (None if local_only else secrets.token_urlsafe(32))
    settings = Settings(
        data_dir=Path(args.data_dir).resolve(),
        base_url=args.base_url or f"http://{_address('127.0.0.1' if everywhere else args.host, port)}",
        seed=args.seed,
        database_url=args.database_url,
        seller_country=args.seller_country,
        tax_rates=Path(args.tax_rates).resolve() if args.tax_rates else None,
        ip_fixtures=Path(args.ip_fixtures).resolve() if args.ip_fixtures else None,
        control_plane=not args.no_control_plane,
        control_token=token,
    )
    try:
        mock = Mock(settings)  # seeds an empty data dir and writes credentials.json before workers start
    except ConfigError as error:
        sock.close()
        print(f"pancake-mock: {error}", file=sys.stderr)
        return 2
    if mock.seed != settings.seed:
        print(f"note: {settings.data_dir} was seeded with --seed {mock.seed}; ids follow that seed")
    creds = mock.credentials
    if everywhere:
        outward = server.outward_address()
        where = f"all interfaces ({_address(bound_host, port)})"
        if outward:
            where += f"; other machines use http://{_address(outward, port)}"
    else:
        where = _address(bound_host, port) + (" (this machine only)" if local_only else "")
    control = f"{settings.base_url}{control_base_path()}"
    if not settings.control_plane:
        control = "off (--no-control-plane): /_mock answers 404"
    elif token:
        control += f": open to this machine; others send {TOKEN_HEADER} (controlToken in credentials.json)"
    else:
        control += ": open to this machine"
    print(f"pancake-mock ready on {settings.base_url}")
    print(f"  listening    {where}")
    print(f"  merchant     {creds['merchantId']}")
    print(f"  stores       {', '.join(s['id'] for s in creds['stores'])}")
    print(f"  credentials  {mock.credentials_path} (private keys: mode 0600)")
    print(f"  control      {control}", flush=True)
    os.environ.update(settings.to_env())
    with sock:
        return server.serve(sock, workers=args.workers, header_timeout=args.header_timeout,
                            log_level=args.log_level, access_log=args.access_log)


def _print_completion(parser: argparse.ArgumentParser, shell: str) -> int:
    import shtab  # only this command needs it

    print(shtab.complete(parser, shell))
    return 0


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pancake-mock", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the mock server")
    serve.add_argument("--host", default="127.0.0.1")
    # A string default goes through type=int too: a bad $PANCAKE_MOCK_PORT is a usage error, not a traceback.
    serve.add_argument("--port", type=int, default=os.environ.get("PANCAKE_MOCK_PORT", str(DEFAULT_PORT)),
                       help=f"(default: $PANCAKE_MOCK_PORT, else {DEFAULT_PORT})")
    serve.add_argument("--data-dir", default=".pancake-mock", help="state, credentials.json (default: %(default)s)")
    serve.add_argument("--seed", type=int, default=0, help="fixtures and ids of a fresh data dir (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=1, help="processes sharing the one store")
    serve.add_argument("--database-url", help="SQLAlchemy URL instead of the SQLite file in the data dir")
    serve.add_argument("--base-url", help="public URL of this mock, if not http://HOST:PORT")
    serve.add_argument("--seller-country", help="ISO code where the merchant of record is established")
    serve.add_argument("--tax-rates", metavar="FILE", help="a rates.toml to use instead of the packaged one")
    serve.add_argument("--ip-fixtures", metavar="FILE", help="an ip_fixtures.json to use instead of the packaged one")
    serve.add_argument("--control-token", default=os.environ.get("PANCAKE_MOCK_CONTROL_TOKEN"),
                       help="what callers from other machines send as X-Control-Token to reach /_mock "
                       "(default: $PANCAKE_MOCK_CONTROL_TOKEN, else generated when not bound to loopback)")
    serve.add_argument("--no-control-plane", action="store_true", help="answer 404 on /_mock to everyone")
    serve.add_argument("--header-timeout", type=_positive, default=10.0, metavar="SECONDS",
                       help="close connections whose request headers take longer (default: %(default)s)")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--access-log", action="store_true")
    lint.add_parser(commands)
    diff.add_parser(commands)
    verify.add_parser(commands)
    completion = commands.add_parser("completion", help="print a completion script: pancake-mock completion bash")
    completion.add_argument("shell", choices=("bash", "zsh"))
    args = parser.parse_args(argv)
    if args.command == "completion":
        return _print_completion(parser, args.shell)
    return {"serve": _serve, "lint": lint.run, "diff": diff.run, "verify": verify.run}[args.command](args)
