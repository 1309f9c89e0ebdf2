#!/usr/bin/env bash
# BENCHMARK: fill a transcript store with synthetic calls, then search it (StoreBench).
# Usage: bench/store/run.sh [CALLS=100000] [QUERIES=200] [STORE...]
#   STORE: sqlite (a fresh file in a temp dir), postgresql (a private server from Debian's package: initdb + pg_ctl
#   in a temp dir, as the postgres user when run as root), sqlite:FILE or postgresql://user@host:port/db.
#   Default: sqlite postgresql. Search is measured at 10,000 and 50,000 calls on the way, and at CALLS.
# Query classes (StoreBench): common, mid, rare word, two mid words, a three-word phrase, a day, a caller number, a
# callee (1% of calls) with a mid word, a common word in one day, a source, the 10th page of a common word / of all.
# PHASE=fill|query (default both): with STORE an existing sqlite:FILE or postgresql://... URL, fill it once, then
# search the same data with two builds (before/after) by running PHASE=query from each checkout.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
calls=${1:-100000}; queries=${2:-200}; shift $(( $# > 2 ? 2 : $# ))
mvn -B -q -ntp -o test-compile
mvn -B -q -ntp -o dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
tmp=$(mktemp -d); chmod 755 "$tmp"
# a copy of the classes: a build in this tree during a long run must not pull them from under it
cp -r target/classes "$tmp/classes"; cp -r target/test-classes "$tmp/test-classes"
CP="$tmp/test-classes:$tmp/classes:$(cat target/bench-classpath.txt)"
wanted=("$@"); [ ${#wanted[@]} -eq 0 ] && wanted=(sqlite postgresql)
stores=()
pg_pid=""
for w in "${wanted[@]}"; do
  if [ "$w" = sqlite ]; then
    stores+=("sqlite:$tmp/bench.db")
  elif [ "$w" = postgresql ]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    port=$(( 20000 + RANDOM % 20000 ))
    as=(); [ "$(id -u)" = 0 ] && { chown postgres "$tmp"; as=(runuser -u postgres --); }
    "${as[@]}" "$bin/initdb" -D "$tmp/pg" -A trust -U bench -E UTF8 --locale=C --no-sync >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg.log" -w -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start >/dev/null
    pg_pid=1
    "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U bench bench
    stores+=("postgresql://bench@127.0.0.1:$port/bench")
  else
    stores+=("$w")
  fi
done
cleanup() { if [ -n "$pg_pid" ]; then "${as[@]}" "$bin/pg_ctl" -D "$tmp/pg" -m fast stop >/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)" >&2
for s in "${stores[@]}"; do
  echo "== $s" >&2
  java -Xmx1g -Dbench.phase="${PHASE:-both}" -Dlogback.configurationFile=bench/concurrency/logback-quiet.xml -cp "$CP" io.callscribe.bench.StoreBench "$s" "$calls" "$queries"
done
