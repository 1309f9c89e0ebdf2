# Sourced by ./callscribe, ./run-tests and .ci/run: sets JAVA_HOME to a JDK >= 21.
# Order: $JAVA_HOME if new enough, then the newest JDK under /usr/lib/jvm.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1 | cut -d. -f1; }
pick_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then return 0; fi
  local best="" best_v=0 d v
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -x "$d/bin/javac" ] || continue
    v=$(java_major "$d"); [ -n "$v" ] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
  done
  if [ -z "$best" ]; then
    echo "callscribe: needs a JDK 21 or newer; set JAVA_HOME or install one under /usr/lib/jvm" >&2
    return 1
  fi
  export JAVA_HOME=$best
}
pick_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's bundled Guava trips JDK 24+'s sun.misc.Unsafe warning on every build; it is harmless.
if [ "$(java_major "$JAVA_HOME")" -ge 24 ] 2>/dev/null; then
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
