#!/usr/bin/env bash
# Recording pipeline latency: flush -> audio sent, server reply -> event. See BENCHMARKS.md.
# Usage: bench/pipeline/run.sh [audioSeconds=120] [speed=4] [serverDelayMs=0]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
. scripts/find-jdk.sh
mvn -B -q -ntp -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
exec java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.callscribe.bench.PipelineLatencyBench "$@"
