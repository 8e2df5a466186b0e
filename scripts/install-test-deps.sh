#!/usr/bin/env bash
# System packages the test suite drives for real (Debian/Ubuntu; run as root or with sudo):
# QEMU + OVMF for boot tests, xorriso/mtools/dosfstools/fdisk/gdisk to read images back, redis-server for
# core0 probes (redis-tools' redis-cli checks them), iproute2 + curl for the real-ZeroTier suite's network
# namespaces, Chromium for the UI tests, busybox-static + a Debian kernel for the full boot chain;
# hyperfine, GNU time and wrk for the benchmarks (npm run bench).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  qemu-system-x86 ovmf xorriso mtools dosfstools fdisk gdisk \
  redis-server openssl chromium busybox-static cpio iproute2 ca-certificates curl \
  hyperfine time wrk >/dev/null

# A real Linux kernel for boot tests, without installing it as this machine's kernel (that would also
# build an initramfs for it, which takes minutes): download the package and take /boot/vmlinuz-* out of it.
cache="${G8BOOT_TEST_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache/test-kernel}"
if [ ! -s "$cache/vmlinuz" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d)
  chmod 755 "$work" # apt downloads as the _apt user
  (cd "$work" && apt-get download -qq "$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')")
  dpkg-deb --fsys-tarfile "$work"/linux-image-*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
  cp "$work"/boot/vmlinuz-* "$cache/vmlinuz.tmp" && mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
  rm -rf "$work"
fi
echo "test dependencies installed; test kernel: $cache/vmlinuz"
