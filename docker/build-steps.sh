#!/usr/bin/env bash
# The container image's steps, in one place. The Dockerfile RUNs `install`; CI, which has no
# container engine, runs `check` (tests/test_container.py checks it against the Dockerfile).
#   docker/build-steps.sh install PREFIX   a venv at PREFIX with this project, pinned by constraints.txt
#   docker/build-steps.sh check            as root: `install` into a temporary prefix, then the image's
#                                          command as its user, its healthcheck, lint, a GraphQL query,
#                                          the control token from another address, a stop
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
# The Dockerfile's USER: numeric, so a runtime can tell it is not root without reading /etc/passwd.
user=10001:10001
# The Dockerfile's HEALTHCHECK (python -c): the store answers, and no curl is needed in the image.
healthcheck="import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_mock/clock' % os.environ['PANCAKE_MOCK_PORT'], timeout=5)"

install() {
  "$python" -m venv "$1"
  "$1/bin/python" -m pip install --quiet --disable-pip-version-check --constraint constraints.txt .
}

fail() {
  echo "build-steps check: $*" >&2
  [ -f "$work/serve.log" ] && sed 's/^/  serve: /' "$work/serve.log" >&2
  exit 1
}

check() {
  [ "$(id -u)" = 0 ] || { echo "build-steps check runs as root, to serve as the image's user" >&2; exit 2; }
  # Debian's python3 makes a venv only with python3-venv, which a fresh machine may lack.
  if ! "$python" -c 'import ensurepip' 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  work=$(mktemp -d)
  chmod 755 "$work"  # the user reads the prefix through it, as in the image's /opt
  server=
  trap '[ -z "$server" ] || kill -KILL "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

  install "$work/prefix"
  echo "installed: $("$work/prefix/bin/pancake-mock" --version)"

  mkdir "$work/data" "$work/home"
  chown "$user" "$work/data" "$work/home"
  port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
  as_user=(setpriv --reuid="${user%:*}" --regid="${user#*:}" --clear-groups
           env HOME="$work/home" PATH="$work/prefix/bin:$PATH" PANCAKE_MOCK_PORT="$port")
  serve=(pancake-mock serve --host 0.0.0.0 --data-dir "$work/data")
  "${as_user[@]}" "${serve[@]}" >"$work/serve.log" 2>&1 &
  server=$!
  echo "serve: ${serve[*]} (PANCAKE_MOCK_PORT=$port)"

  # As Docker runs the healthcheck: as the image's user, until it passes (start period: 60 s here).
  for attempt in $(seq 60); do
    "${as_user[@]}" python -c "$healthcheck" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || fail "the server exited"
    [ "$attempt" -lt 60 ] || fail "the healthcheck did not pass within 60 s"
    sleep 1
  done
  echo "healthcheck: python -c $healthcheck"
  echo "user: $(awk '/^Uid:/ {u = $2} /^Gid:/ {g = $2} END {print u ":" g}' "/proc/$server/status")"
  echo "banner: $(grep '^  control ' "$work/serve.log" | sed 's/^ *//')"

  lint=$("${as_user[@]}" pancake-mock lint 2>&1) || fail "lint failed: $lint"
  echo "$lint"

  "$work/prefix/bin/python" - "$work/data/credentials.json" "$port" <<'PYTHON' || fail "a call went wrong"
import json, sys, urllib.error, urllib.request
from pancake_mock.server import outward_address
from pancake_mock.wire.control_guard import TOKEN_HEADER, is_loopback

credentials, port = json.load(open(sys.argv[1])), sys.argv[2]

def call(host: str, path: str, body: dict | None = None, **headers: str) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://{host}:{port}{path}", data, {"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()

# The API, GraphQL included (its engine is imported at the first query).
store = credentials["stores"][0]
status, answer = call("127.0.0.1", "/v1/graphql", {"query": "{ stores { id } }"},
                      **{"X-Store-Slug": store["slug"], "X-Environment": "test"})
print(f"graphql: {status} {answer.decode()}")
if (status, json.loads(answer)) != (200, {"data": {"stores": [{"id": store["id"]}]}}):
    sys.exit(1)

# A caller from another machine, simulated by calling this machine's outward address.
outward = outward_address()
if outward is None or is_loopback(outward):
    sys.exit("this machine has no non-loopback address to call from")
token = credentials["controlToken"]
seen = [call(outward, "/_mock/clock", **headers)[0]
        for headers in ({}, {TOKEN_HEADER: token[:-1]}, {TOKEN_HEADER: token})]
print(f"control from {outward}: {seen[0]} without the token, {seen[1]} with a wrong one, {seen[2]} with controlToken")
sys.exit(seen != [401, 401, 200])
PYTHON

  # docker stop: SIGTERM, then SIGKILL after 10 s.
  kill -TERM "$server"
  for _ in $(seq 100); do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$server" 2>/dev/null && fail "the server was still running 10 s after SIGTERM"
  wait "$server" && status=0 || status=$?
  server=
  echo "stopped: exit $status after SIGTERM"
}

case "${1:-}" in
  install) [ $# -eq 2 ] || { echo "usage: docker/build-steps.sh install PREFIX" >&2; exit 2; }; install "$2" ;;
  check) check ;;
  *) echo "usage: docker/build-steps.sh install PREFIX | check" >&2; exit 2 ;;
esac
