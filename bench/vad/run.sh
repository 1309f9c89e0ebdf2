#!/usr/bin/env bash
# BENCHMARK: the voice-activity gate on two-leg calls, gated and ungated side by side (embedded Sphinx4, real time).
# Usage: bench/vad/run.sh [REPEAT...]   (default: 1 3 = the 62 s sample call, and the same call three times over)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
mvn -B -q -ntp test-compile
mvn -B -q -ntp dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >/dev/null
uptime
java -Xmx1500m -Dlogback.configurationFile=bench/concurrency/logback-quiet.xml \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" io.callscribe.bench.VadGateBench \
  samples/support-call-in.wav samples/support-call-out.wav samples/support-call.txt "${@:-1 3}"
uptime
