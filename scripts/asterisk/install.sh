#!/usr/bin/env bash
# Makes a private Asterisk available for callscribe's integration tests (tests tagged "asterisk").
#
#   scripts/asterisk/install.sh [--source DIR_OR_TARBALL] [--build]
#
# Where it goes: $CALLSCRIBE_ASTERISK_HOME, default ~/.cache/callscribe/asterisk. An existing working install
# there, or at /opt/asterisk-test, is kept (the script then only checks it, in well under a second).
# Otherwise it unpacks the prebuilt install from the shared folder (shared/asterisk/asterisk-test-debian12-amd64.tar.gz,
# shared/ being $CALLSCRIBE_SHARED or the nearest shared/ beside the repository or one of its parents), and builds from the source tarball there
# with shared/asterisk/build.sh when the prebuilt is missing or does not run. --source builds from the Asterisk
# source tree or tarball you name instead; --build forces a build from the shared source tarball.
# Prints the install's directory (the one holding sbin/asterisk) on its last line.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
home=${CALLSCRIBE_ASTERISK_HOME:-$HOME/.cache/callscribe/asterisk}
# shared/ sits beside the repository (a CI clone), or beside one of its parents (a git worktree).
shared=${CALLSCRIBE_SHARED:-}
if [ -z "$shared" ]; then
  d=$repo
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    if [ -d "$d/shared/asterisk" ]; then shared=$d/shared; break; fi
  done
  shared=${shared:-$repo/../shared}
fi
source_arg="" force_build=0
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_arg=${2:?--source needs a directory or tarball}; shift 2 ;;
    --build) force_build=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "asterisk install: $*" >&2; }

runtime=(libjansson4 libxml2 libsqlite3-0 libuuid1 libedit2 libssl3 libcurl4)
if ! dpkg -s "${runtime[@]}" >/dev/null 2>&1; then
  log "installing runtime libraries ${runtime[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${runtime[@]}" >/dev/null
fi

# Runs "asterisk -V" of the install in $1; true when it prints a version.
works() {
  [ -x "$1/sbin/asterisk" ] || return 1
  LD_LIBRARY_PATH="$1/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$1/sbin/asterisk" -V 2>/dev/null | grep -q '^Asterisk'
}

build() { # build SOURCE_TARBALL
  local tarball=$1
  [ -f "$shared/asterisk/build.sh" ] || { log "no build recipe at $shared/asterisk/build.sh (set CALLSCRIBE_SHARED)"; exit 1; }
  log "building Asterisk from $tarball into $home (about 4 minutes on 2 cores)"
  rm -rf "$home"
  mkdir -p "$(dirname "$home")"
  bash "$shared/asterisk/build.sh" "$home" "$tarball" >&2
}

if [ -n "$source_arg" ]; then
  if [ -d "$source_arg" ]; then
    # build.sh unpacks a tarball whose top folder is "asterisk": pack the tree that way.
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    src=$(cd "$source_arg" && pwd)
    tar -czf "$tmp/asterisk-src.tar.gz" -C "$(dirname "$src")" --exclude=.git \
        --transform "s,^$(basename "$src"),asterisk," "$(basename "$src")"
    build "$tmp/asterisk-src.tar.gz"
  else
    build "$source_arg"
  fi
elif [ "$force_build" = 0 ] && works "$home"; then
  :
elif [ "$force_build" = 0 ] && [ -z "${CALLSCRIBE_ASTERISK_HOME:-}" ] && works /opt/asterisk-test; then
  home=/opt/asterisk-test
else
  prebuilt="$shared/asterisk/asterisk-test-debian12-amd64.tar.gz"
  if [ "$force_build" = 0 ] && [ -f "$prebuilt" ]; then
    log "unpacking $prebuilt into $home"
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    tar -xzf "$prebuilt" -C "$tmp"
    rm -rf "$home"
    mkdir -p "$(dirname "$home")"
    mv "$tmp/opt/asterisk-test" "$home"
  fi
  if ! works "$home"; then
    [ "$force_build" = 1 ] || log "no working prebuilt install; building from source"
    src=$(ls "$shared"/asterisk/asterisk-src-*.tar.gz 2>/dev/null | head -1 || true)
    [ -n "$src" ] || { log "no Asterisk source tarball in $shared/asterisk (set CALLSCRIBE_SHARED, or --source DIR)"; exit 1; }
    build "$src"
  fi
fi

works "$home" || { log "the install in $home does not run (LD_LIBRARY_PATH=$home/lib $home/sbin/asterisk -V)"; exit 1; }
log "$(LD_LIBRARY_PATH="$home/lib" "$home/sbin/asterisk" -V) in $home"
echo "$home"
