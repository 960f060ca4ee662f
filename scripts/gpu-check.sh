#!/usr/bin/env bash
# GPU host check, offline, at most 8 minutes: the adapter, the WebGPU parity tests on
# it, and data2vec 1.0/2.0 base image updates (224×224/16) at the largest batch that
# fits, written to one JSON file (default runs/gpu-check.json). See scripts/gpu-check.js.
#
#   scripts/gpu-check.sh [--quick] [--out FILE] [--updates N] [--seconds S]
#
# On NVIDIA hosts Dawn needs the Vulkan loader (libvulkan1) and the driver's ICD; set
# VK_DRIVER_FILES=/path/to/nvidia_icd.json when the driver did not install it system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/src/index.js ] || [ ! -f dist/test/backend/webgpu.test.js ]; then npm run build; fi
exec timeout --kill-after=10 480 node scripts/gpu-check.js "$@"
