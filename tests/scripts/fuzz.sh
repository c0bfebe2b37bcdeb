#!/usr/bin/env bash
# Runs every fuzz target in the repository for a short time (FUZZTIME, default 10s).
# Targets are found by grepping `func FuzzXxx(` in *_test.go files, so new ones are picked up
# without editing this script. A crash fails the run and leaves the input under testdata/fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
# Minimizing a large new input can outlast a short run (go test then fails with "context
# deadline exceeded" while minimizing); a short bound keeps the run's length predictable.
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-2s}

mapfile -t targets < <(
	grep -rHoE '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' \
		--exclude-dir=node_modules --exclude-dir=.git --exclude-dir=testdata . |
		sed -E 's/^(.*)\/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($/\1 \2/' | sort -u
)

if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz: no fuzz targets found"
	exit 0
fi

# corpus_files DIR NAME: the failing inputs go test has written for target NAME.
corpus_files() {
	if [ -d "$1/testdata/fuzz/$2" ]; then
		find "$1/testdata/fuzz/$2" -type f | sort
	fi
}

# Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a failure: the target
# prints "--- FAIL: FuzzX" followed by only "context deadline exceeded", exits 1, and writes
# no failing input (golang/go#75804, fixed in Go 1.27). Such a run found nothing; it is
# reported, and counts as passed. Any other failure, or one that wrote an input, fails.
coordinator_race() { # OUTPUT_FILE NAME
	grep -q -A1 -- "^--- FAIL: $2 " "$1" &&
		[ "$(grep -A1 -- "^--- FAIL: $2 " "$1" | tail -n1 | sed -E 's/^[[:space:]]+//')" = "context deadline exceeded" ]
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0
passed=0
raced=0
for entry in "${targets[@]}"; do
	dir=${entry% *}
	name=${entry#* }
	echo "fuzz: $name in $dir for $FUZZTIME"
	before=$(corpus_files "$dir" "$name")
	if "$GO" test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime="$FUZZMINIMIZETIME" "$dir" 2>&1 | tee "$out"; then
		passed=$((passed + 1))
	elif [ "$(corpus_files "$dir" "$name")" = "$before" ] && coordinator_race "$out" "$name"; then
		echo "fuzz: $name in $dir: go's fuzz coordinator reported its own deadline (golang/go#75804); no failing input was found"
		raced=$((raced + 1))
		passed=$((passed + 1))
	else
		echo "fuzz: $name in $dir FAILED"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed ($raced with the coordinator's deadline report), $failed failed"
[ "$failed" -eq 0 ]
