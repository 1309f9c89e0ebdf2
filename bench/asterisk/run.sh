#!/usr/bin/env bash
# Phrase end -> final event per way in (MixMonitor, AudioSocket; ARI when it exists) on one real call through a
# private Asterisk (scripts/asterisk/install.sh). See BENCHMARKS.md.
# Usage: bench/asterisk/run.sh [calls=2] [recording.wav=samples/support-call.wav] [-- callscribe run engine options]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
CALLSCRIBE_ASTERISK_HOME=$(scripts/asterisk/install.sh | tail -n1)
export CALLSCRIBE_ASTERISK_HOME
. scripts/find-jdk.sh
mvn -B -q -ntp -o -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.callscribe.bench.AsteriskPathLatencyBench "$@"
