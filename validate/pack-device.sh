#!/usr/bin/env bash
# Pack what `node dist/validate/cli.js` needs on a machine without Node.js or network (the lent
# NVIDIA machines): the node binary and node_modules without dev tools, other platforms' Dawn
# builds or report/notebook packages, into .device/node-bundle.tar.xz (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .device
tar -cJf .device/node-bundle.tar.xz \
  --exclude='node_modules/typescript' --exclude='node_modules/vitest' --exclude='node_modules/@vitest' \
  --exclude='node_modules/vite' --exclude='node_modules/rollup' --exclude='node_modules/@rollup' \
  --exclude='node_modules/@rolldown' --exclude='node_modules/rolldown' --exclude='node_modules/esbuild' \
  --exclude='node_modules/@esbuild' --exclude='node_modules/lightningcss*' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/tslab' --exclude='node_modules/@tslab' --exclude='node_modules/zeromq' \
  --exclude='node_modules/cmake-ts' --exclude='node_modules/vega*' --exclude='node_modules/@resvg' \
  --exclude='node_modules/fast-check' --exclude='node_modules/@types' --exclude='node_modules/@webgpu' \
  --exclude='node_modules/webgpu/dist/darwin-universal' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' \
  -C "$(dirname "$(command -v node)")" node \
  -C "$PWD" --dereference node_modules
ls -l .device/node-bundle.tar.xz
