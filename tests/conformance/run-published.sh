#!/usr/bin/env bash
# Runs the published protocol test suites against tests/conformance/server.
#
#   tests/conformance/run-published.sh ENGINE_IO_SUITE SOCKET_IO_SUITE
#
# Each argument is a checkout of socketio/engine.io-protocol or socketio/socket.io-protocol
# (or its test-suite/ directory); either may be "" to skip that suite. Their source host is not
# reachable from CI, so this script is run by hand; tests/conformance/conformance_test.go checks
# the same behaviours in CI. The suites are copied to a temporary directory, installed there
# with npm (from their own lockfiles) and run with mocha against the server on 127.0.0.1:3000.
# Nothing is written into the checkouts or into this repository.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
eio_suite=${1:-}
sio_suite=${2:-}
port=3000

if [ -z "$eio_suite" ] && [ -z "$sio_suite" ]; then
	echo "usage: $0 ENGINE_IO_SUITE SOCKET_IO_SUITE (a checkout, or its test-suite/ dir)" >&2
	exit 2
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "building the conformance server"
(cd "$root" && go build -o "$work/conformance-server" ./tests/conformance/server)

# prepare NAME DIR: copies DIR's test suite to $work/NAME and installs its packages.
prepare() {
	local name=$1 src=$2
	if [ -d "$src/test-suite" ]; then
		src="$src/test-suite"
	fi
	if [ ! -f "$src/test-suite.js" ] || [ ! -f "$src/package.json" ]; then
		echo "$name: no test-suite.js and package.json in $src" >&2
		exit 2
	fi
	mkdir -p "$work/$name"
	(cd "$src" && tar --exclude=node_modules -cf - .) | tar -xf - -C "$work/$name"
	echo "$name: installing its packages"
	if [ -f "$work/$name/package-lock.json" ]; then
		(cd "$work/$name" && npm ci --no-audit --no-fund --loglevel=error)
	else
		(cd "$work/$name" && npm install --no-audit --no-fund --loglevel=error)
	fi
}

suites=()
if [ -n "$eio_suite" ]; then
	prepare engine.io-protocol "$eio_suite"
	suites+=(engine.io-protocol)
fi
if [ -n "$sio_suite" ]; then
	prepare socket.io-protocol "$sio_suite"
	suites+=(socket.io-protocol)
fi

echo "starting the conformance server on 127.0.0.1:$port"
"$work/conformance-server" -addr "127.0.0.1:$port" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
	if grep -q '^LISTEN ' "$work/server.out" 2>/dev/null; then
		break
	fi
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "the server exited:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
grep -q '^LISTEN ' "$work/server.out" || { echo "the server did not start" >&2; exit 1; }

# The suites target localhost:3000; make Node resolve it to the IPv4 loopback we listen on.
export NODE_OPTIONS="${NODE_OPTIONS:-} --dns-result-order=ipv4first"

passed=0
failed=0
for name in "${suites[@]}"; do
	echo "=== $name"
	if (cd "$work/$name" && npx --no-install mocha --exit test-suite.js); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "=== $name FAILED"
	fi
done

if [ "$failed" -gt 0 ]; then
	echo "server log:"
	tail -n 100 "$work/server.log"
fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
