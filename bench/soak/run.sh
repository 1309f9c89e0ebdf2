#!/bin/sh
# Soak benchmark: 10,000 short calls through CallManager -> VoskWebSocketRecognizer -> VoskProtocolServer
# (TestRecognizer double) in one JVM; prints threads, open fds and heap after GC every 1000 calls.
# Usage: bench/soak/run.sh [calls=10000] [concurrent=8] [every=1000]
set -e
cd "$(dirname "$0")/../.."
. scripts/find-jdk.sh
mvn -B -q -ntp test-compile dependency:build-classpath -Dmdep.outputFile=target/soak-classpath.txt
mkdir -p bench/results
exec java -Xmx256m -Dlogback.configurationFile=bench/soak/logback-quiet.xml \
  -cp "target/classes:target/test-classes:$(cat target/soak-classpath.txt)" \
  io.callscribe.bench.SoakBench "$@" | tee bench/results/soak-$(date +%Y%m%d-%H%M%S).txt
