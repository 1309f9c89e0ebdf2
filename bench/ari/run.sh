#!/usr/bin/env bash
# BENCHMARK: N concurrent two-party calls on a private real Asterisk, each found and snooped by
# `callscribe run --ari` (snoop + externalMedia per party), engine = the ScriptedVoskServer double.
# Usage: bench/ari/run.sh [N...]   (default: 10 50 100)
# Env: CALL (s per call, default 20), RAMP (s, call starts spread over it, default 5), TRANSPORT (audiosocket|rtp).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
scripts/asterisk/install.sh >/dev/null   # the prebuilt test Asterisk in ~/.cache/callscribe/asterisk
mvn -B -q -ntp -o test-compile
mvn -B -q -ntp -o dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
for n in "${@:-10 50 100}"; do
  echo "== N=$n ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  work=$(mktemp -d /tmp/callscribe-ari-bench.XXXXXX)
  java -Xmx1g -Dlogback.configurationFile=bench/concurrency/logback-quiet.xml -cp "$CP" \
    io.callscribe.cli.AriConcurrencyBench "$n" "${CALL:-20}" "${RAMP:-5}" "$work" "${TRANSPORT:-audiosocket}" \
    || echo "n=$n FAILED exit=$?"
  rm -rf "$work"
done
