#!/usr/bin/env bash
# Installs what tsdl needs on a fresh Debian/Ubuntu machine, idempotently:
#   - Jupyter (nbconvert, nbclient, notebook, the kernel conformance suite), Chromium for the
#     browser checks, Fashion-MNIST, and OpenBLAS (the wasm backend's matrix products and
#     convolutions run through it), from Debian packages (only the missing ones; needs root);
#   - the npm dependencies from package-lock.json (`npm ci`, skipped when node_modules is current).
# Options: --with-torch also installs PyTorch (Debian) for `npm run bench`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(jupyter-nbconvert python3-nbclient jupyter-client jupyter-notebook python3-jupyter-kernel-test
          python3-jsonschema chromium dataset-fashion-mnist libopenblas0-pthread)
[[ " $* " == *" --with-torch "* ]] && packages+=(python3-torch)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "tsdl setup: missing Debian packages: ${missing[*]}" >&2
    echo "Install them as root (apt-get install ${missing[*]}) or use environment.yml with conda." >&2
    exit 1
  fi
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "tsdl setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm ci wipes node_modules, so run it only when the lock file changed since the last install.
stamp=node_modules/.tsdl-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "tsdl setup: npm ci"
  # @tensorflow/tfjs-node is optional: where its libtensorflow download fails, npm skips it and
  # tsdl trains on its own wasm backend instead.
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
echo "tsdl setup: ok"
