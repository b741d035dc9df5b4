#!/usr/bin/env bash
# Installs the Debian packages trnsim builds with. Nothing else is downloaded, ever.
set -euo pipefail
pkgs=(g++ cmake make pkg-config libyaml-cpp-dev nlohmann-json3-dev libgtest-dev libopenblas-dev
      libopenmpi-dev openmpi-bin)  # Open MPI: optional, for 'mpirun -n N trnsim sweep'
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
