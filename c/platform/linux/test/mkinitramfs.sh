#!/usr/bin/env bash
# Builds the busybox initramfs of the VM test (never committed; rebuilt by make).
#   mkinitramfs.sh OUT.cpio.gz KVER BUILD_DIR BENCH_FRAMES [MODULE.ko]
set -euo pipefail
out=$1 kver=$2 build=$3 frames=$4 ko=${5:-$3/kmod/mnetif.ko}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d "$build/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,lib,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
veth=/lib/modules/$kver/kernel/drivers/net/veth.ko
[ -f "$veth" ] || { echo "mkinitramfs: $veth missing (apt install linux-image-$kver)" >&2; exit 1; }
deps=$(modinfo -F depends "$veth")
[ -z "$deps" ] || { echo "mkinitramfs: veth.ko now depends on '$deps': copy those too" >&2; exit 1; }
pktgen=/lib/modules/$kver/kernel/net/core/pktgen.ko   # the figure's in-kernel source (optional)
cp "$veth" "$root/lib/"
cp "$ko" "$root/lib/mnetif.ko"
if [ -f "$pktgen" ] && [ -z "$(modinfo -F depends "$pktgen")" ]; then cp "$pktgen" "$root/lib/"; fi
cp "$build/vmtest" "$build/vmbench" "$build/kdevtest" "$build/vmtx" "$build/mirage_responder" "$root/bin/"
# virtio-9p and its dependencies, in load order: the VM mounts the host's root read-only to run the
# Python bindings (mnetif.kmod) with the host's own interpreter and numpy (run-vm.sh exports it).
mkdir -p "$root/lib/9p"
for m in 9p 9pnet_virtio virtio_pci; do modprobe -S "$kver" --show-depends "$m"; done |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko9; do
		cp "$ko9" "$root/lib/9p/" && basename "$ko9" >> "$root/lib/9p/order"
	done
[ "$(wc -l < "$root/lib/9p/order")" -ge 5 ] || { echo "mkinitramfs: virtio-9p modules of $kver not found" >&2; exit 1; }
cp "$here/veth.sh" "$root/veth.sh"
cp "$here/pingtest.sh" "$root/pingtest.sh"
sed "s/\$BENCH_FRAMES/$frames/" "$here/init.sh" > "$root/init"
chmod +x "$root/init" "$root/veth.sh"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
