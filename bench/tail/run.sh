#!/usr/bin/env bash
# Flush -> read delay of the recording tailer alone (TailLatencyProbe).
# Usage: bench/tail/run.sh [seconds-of-audio] [speed] [poll-ms] [watch]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
. scripts/find-jdk.sh
mvn -B -q -ntp -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.callscribe.bench.TailLatencyProbe "$@"
