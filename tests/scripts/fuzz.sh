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

failed=0
passed=0
for entry in "${targets[@]}"; do
	dir=${entry% *}
	name=${entry#* }
	echo "fuzz: $name in $dir for $FUZZTIME"
	if "$GO" test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime="$FUZZMINIMIZETIME" "$dir"; then
		passed=$((passed + 1))
	else
		echo "fuzz: $name in $dir FAILED"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
