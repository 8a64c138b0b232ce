#!/usr/bin/env bash
# Installs the Debian packages ddblocal needs, only those that are missing (asked of pkg-config,
# of the llhttp sources and of the tools themselves). Usage: tests/deps.sh build|test|bench
set -eu
want=()
need_pkg() { pkg-config --exists "$1" 2>/dev/null || want+=("$2"); }
need_file() { [ -e "$1" ] || want+=("$2"); }
need_cmd() { command -v "$1" >/dev/null 2>&1 || want+=("$2"); }
need_py() { /usr/bin/python3 -c "import $1" >/dev/null 2>&1 || want+=("$2"); }

case "${1:-build}" in
  build)
    need_cmd cc gcc; need_cmd make make; need_cmd pkg-config pkg-config
    need_pkg sqlite3 libsqlite3-dev
    need_pkg libuv libuv1-dev
    need_pkg libcjson libcjson-dev
    need_pkg libcrypto libssl-dev
    need_pkg libisal libisal-dev
    need_file /usr/share/llhttp/llhttp.c node-llhttp
    need_file /usr/share/include/llhttp/llhttp.h node-llhttp
    ;;
  test)
    need_file /usr/bin/python3 python3
    need_py boto3 python3-boto3
    need_py pytest python3-pytest
    need_file /usr/bin/aws awscli
    need_cmd sqlite3 sqlite3
    ;;
  bench)
    need_cmd wrk wrk
    need_cmd npm npm
    ;;
esac

[ ${#want[@]} -eq 0 ] && exit 0
# unique, in order
mapfile -t want < <(printf '%s\n' "${want[@]}" | awk '!seen[$0]++')
echo "deps: installing missing Debian packages: ${want[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends "${want[@]}"
