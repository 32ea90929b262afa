#!/bin/sh
# (Re)creates the veth pair mna <-> mnb inside the VM (veth.sh A B: the pair A <-> B). busybox's
# `ip link add A type veth peer name B` ignores `peer name`, so add A, find its auto-named peer
# through iflink, and rename it.
a=${1:-mna} b=${2:-mnb}
ip link del "$a" 2>/dev/null
ip link add "$a" type veth || exit 1
peer_index=$(cat "/sys/class/net/$a/iflink")
for d in /sys/class/net/*; do
	[ "$(cat "$d/ifindex")" = "$peer_index" ] && peer=${d##*/}
done
[ -n "$peer" ] || exit 1
ip link set "$peer" name "$b" || exit 1
for i in "$a" "$b"; do
	ip link set "$i" mtu 9000 || exit 1
	ip link set "$i" up || exit 1
done
