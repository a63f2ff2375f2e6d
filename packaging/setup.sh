#!/usr/bin/env bash
# Installs everything tether needs to build, test and demo, from Debian 12 packages only.
# Idempotent: packages already present are skipped; apt runs only when something is missing.
# Usage: packaging/setup.sh [--bench]   (--bench adds haproxy and nginx for bench/; wrk is always
# installed: the test suite's soak uses it)
set -euo pipefail

pkgs=(build-essential cmake ninja-build pkg-config
      libuv1-dev node-llhttp libxxhash-dev libyaml-cpp-dev libspdlog-dev
      catch2 libbenchmark-dev libssl-dev curl python3 wrk)
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(haproxy nginx)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
