#!/usr/bin/env bash
# BENCHMARK: N concurrent real-time AudioSocket calls through the service against a load double of a Vosk
# server. Usage: bench/concurrency/run.sh [N...]   (default: 10 100 500 1000 2000)
# Env: RAMP (s, call starts spread over it, default 10), MEASURE (s, default 30), WARM (s between the ramp and the
#      measured window, default 2), HEAP (default 1g),
#      STORES (transcript store per run, e.g. "off sqlite off sqlite": each N runs once per entry; default off).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
mvn -B -q -ntp test-compile
mvn -B -q -ntp dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r target/classes "$tmp/classes"; cp -r target/test-classes "$tmp/test-classes" # a rebuild must not disturb the run
CP="$tmp/test-classes:$tmp/classes:$(cat target/bench-classpath.txt)"
for n in "${@:-10 100 500 1000 2000}"; do
  for one in $n; do
    for store in ${STORES:-off}; do
      echo "== N=$one store=$store ($(date -u +%H:%M:%S))" >&2
      java -Xmx"${HEAP:-1g}" -Dlogback.configurationFile=bench/concurrency/logback-quiet.xml -Dbench.store="$store" -cp "$CP" \
        io.callscribe.bench.AudioSocketConcurrencyBench service "$one" "${RAMP:-10}" "${MEASURE:-30}" "${WARM:-2}" \
        || echo "n=$one store=$store FAILED exit=$?"
    done
  done
done
