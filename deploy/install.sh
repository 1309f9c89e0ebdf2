#!/usr/bin/env bash
# Installs callscribe as a systemd service (run as root from the repository):
#   deploy/install.sh            builds target/callscribe.jar if needed, then installs jar, config and unit
# Layout: /opt/callscribe/{callscribe.jar,java}, /etc/callscribe/callscribe.yaml (kept if present),
# /etc/systemd/system/callscribe.service; /var/lib/callscribe is created by systemd (StateDirectory).
# Re-running it upgrades the jar and the unit and keeps the settings. Then: systemctl enable --now callscribe
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/find-jdk.sh"
prefix=${PREFIX:-/opt/callscribe}
etc=${ETC:-/etc/callscribe}
units=${UNITS:-/etc/systemd/system}
jar="$here/target/callscribe.jar"
if [ ! -f "$jar" ]; then
  echo "install: building $jar ..." >&2
  (cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests package)
fi
install -d -m 0755 "$prefix" "$etc" "$units"
install -m 0644 "$jar" "$prefix/callscribe.jar.new" && mv -f "$prefix/callscribe.jar.new" "$prefix/callscribe.jar"
ln -sfn "$JAVA_HOME/bin/java" "$prefix/java"
if [ ! -f "$etc/callscribe.yaml" ]; then
  install -m 0640 "$here/deploy/callscribe.yaml" "$etc/callscribe.yaml"
  echo "install: wrote $etc/callscribe.yaml (edit asr/engine, token)" >&2
fi
install -m 0644 "$here/deploy/callscribe.service" "$units/callscribe.service"
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
"$prefix/java" -jar "$prefix/callscribe.jar" --version >/dev/null
echo "install: $prefix/callscribe.jar with $(readlink "$prefix/java"); systemctl enable --now callscribe" >&2
