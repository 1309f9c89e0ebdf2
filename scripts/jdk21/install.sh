#!/usr/bin/env bash
# Makes a Java 21 runtime available for the test that checks virtual threads never pin their carriers
# (VirtualThreadPinningTest, tag "jdk21"): only JDK 21-23 pin a virtual thread that blocks inside `synchronized`, and
# only they report it with -Djdk.tracePinnedThreads=full; the build itself runs on any JDK >= 21.
#
#   scripts/jdk21/install.sh        prints the runtime's home (the directory holding bin/java) on its last line
#
# Where it goes: $CALLSCRIBE_JDK21_HOME, default ~/.cache/callscribe/jdk21. A working one there is kept (the script
# then only checks it, in well under a second); so is a JDK 21 under /usr/lib/jvm, which is used as it is.
# Otherwise it fetches Debian 13's openjdk-21-jre-headless with apt (a private apt state under the home: the system's
# sources and packages are left alone) and unpacks it. Debian 12 has no Java 21 and its glibc (2.36) is older than
# the 2.38 that package needs: then Debian 13's libc6 is unpacked beside it too, and bin/java is a wrapper that
# starts the runtime with that glibc's own loader (ld.so --library-path), so only that one process uses it.
set -euo pipefail
home=${CALLSCRIBE_JDK21_HOME:-$HOME/.cache/callscribe/jdk21}
suite=trixie

log() { echo "jdk21 install: $*" >&2; }

# The Java feature version of the runtime in $1 (e.g. 21), or nothing.
major() {
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}

if [ "$(major "$home")" = 21 ]; then
  log "Java 21 in $home: $("$home/bin/java" -version 2>&1 | sed -n 2p)"
  echo "$home"
  exit 0
fi
if [ -z "${CALLSCRIBE_JDK21_HOME:-}" ]; then
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    if [ "$(major "$d")" = 21 ]; then
      log "Java 21 in $d"
      echo "$d"
      exit 0
    fi
  done
fi

# The Debian mirror the system's own apt uses (its main archive, for the system's release), or $CALLSCRIBE_DEBIAN_MIRROR.
mirror=${CALLSCRIBE_DEBIAN_MIRROR:-}
system_mirror() {
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Created-By: Packages' 2>/dev/null \
    | awk -v c="$codename" '!found && $2 == c && $3 == "main" { print $1; found = 1 }'
}
if [ -z "$mirror" ]; then
  mirror=$(system_mirror)
  if [ -z "$mirror" ]; then
    # apt lists only the sources whose indexes it has fetched: on a new machine, fetch them first.
    apt-get update -qq
    mirror=$(system_mirror)
  fi
fi
[ -n "$mirror" ] || { log "no Debian mirror in the system's apt sources: set CALLSCRIBE_DEBIAN_MIRROR"; exit 1; }
log "fetching openjdk-21-jre-headless from Debian $suite ($mirror) into $home"
if [ -e "$home" ] && [ -n "$(ls -A "$home")" ] && [ ! -e "$home/.callscribe-jdk21" ]; then
  log "$home exists and is not one of this script's installs: not replacing it"
  exit 1
fi
rm -rf "$home"
mkdir -p "$home"
touch "$home/.callscribe-jdk21"
work=$(mktemp -d "$home/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root -qq)
apt-get "${apt_opts[@]}" update
# apt-get download checks each .deb against the signed index.
(cd "$work/debs" && apt-get "${apt_opts[@]}" download "openjdk-21-jre-headless/$suite" "libc6/$suite")
mkdir -p "$work/root"
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done
jre=$(find "$work/root/usr/lib/jvm" -mindepth 1 -maxdepth 1 -type d -name 'java-21-openjdk-*' | head -n1)
[ -n "$jre" ] || { log "the package holds no usr/lib/jvm/java-21-openjdk-*"; exit 1; }
# The package keeps its configuration in /etc/java-21-openjdk (symlinks from conf/ and lib/): take the packaged files.
etc="$work/root/etc/java-21-openjdk"
find "$jre" -type l -lname '/etc/java-21-openjdk/*' | while read -r link; do
  target=$(readlink "$link")
  rm "$link"
  cp "$etc/${target#/etc/java-21-openjdk/}" "$link"
done
mv "$jre" "$home/jre"
if "$home/jre/bin/java" -version >/dev/null 2>&1; then
  ln -s jre/bin "$home/bin"
else
  # The system's glibc is too old for it: run it on the unpacked Debian 13 glibc, through that glibc's loader.
  mv "$work/root/usr/lib/x86_64-linux-gnu" "$home/glibc"
  [ -x "$home/glibc/ld-linux-x86-64.so.2" ] || { log "no loader in the unpacked libc6"; exit 1; }
  mkdir -p "$home/bin"
  cat >"$home/bin/java" <<'EOF'
#!/bin/sh
# Debian 13's Java 21 on Debian 13's glibc (unpacked beside it by scripts/jdk21/install.sh); the system's is older.
home=$(cd "$(dirname "$0")/.." && pwd)
exec "$home/glibc/ld-linux-x86-64.so.2" --library-path "$home/glibc" "$home/jre/bin/java" "$@"
EOF
  chmod +x "$home/bin/java"
fi
[ "$(major "$home")" = 21 ] || { log "the unpacked runtime does not run: $("$home/bin/java" -version 2>&1 | head -n3)"; exit 1; }
log "$("$home/bin/java" -version 2>&1 | sed -n 2p) in $home"
echo "$home"
