#!/usr/bin/env bash
# Installs everything mnetif needs (Debian packages + Python packages). Idempotent: a second run
# installs nothing and takes a few seconds. Run as root (CI and the dev machines are root).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(
  build-essential gcc make pkg-config libck-dev valgrind python3-venv
  iproute2 kmod cpio busybox-static qemu-system-x86
  linux-headers-amd64 linux-image-amd64
  ocaml-nox ocaml-dune ocaml-findlib libcstruct-ocaml-dev liblwt-ocaml-dev
  libalcotest-ocaml-dev libqcheck-ocaml-dev
  redis-server
  libipaddr-ocaml-dev iputils-ping iputils-arping tcpdump
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu libc6-dev-arm64-cross libc6-dev-riscv64-cross
  libxen-dev
)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if ! $PY - <<'PYEOF' 2>/dev/null
import importlib.metadata as m, sys
need = {l.split("==")[0].split(">=")[0].split("[")[0].strip() for l in open("requirements.txt") if l.strip() and not l.startswith("#")}
have = {d.metadata["Name"].lower() for d in m.distributions()}
sys.exit(0 if all(n.lower() in have for n in need) else 1)
PYEOF
then
  echo "install-deps: pip installing requirements.txt"
  $PY -m pip install -q -r requirements.txt
fi
echo "install-deps: ok"
