#!/usr/bin/env bash
# fuzz.sh: run every fuzz target in the module, one after another, each for
# FUZZTIME (default 60s). Fuzz targets are the `func FuzzXxx(f *testing.F)`
# in *_test.go files; a failing input is saved under the package's
# testdata/fuzz/ and fails the run.
#
#   scripts/fuzz.sh                 every target
#   FUZZTIME=10s scripts/fuzz.sh    shorter
#   FUZZ=Decode scripts/fuzz.sh     only targets whose name matches the regex
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-60s}
filter=${FUZZ:-}

targets=()
while IFS=: read -r file line; do
	name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$line")
	[[ -z "$filter" || "$name" =~ $filter ]] || continue
	targets+=("./$(dirname "$file") $name")
done < <(grep -rE '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' --exclude-dir=.git . | sed -E 's|^\./||' | sort)

if ((${#targets[@]} == 0)); then
	echo "fuzz: no fuzz targets${filter:+ matching $filter}"
	exit 0
fi

echo "fuzz: ${#targets[@]} targets, $fuzztime each"
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "=== fuzz $pkg $name"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
done
