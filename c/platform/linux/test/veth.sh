#!/bin/sh
# (Re)creates the veth pair mna <-> mnb inside the VM. busybox's `ip link add A type veth peer name B`
# ignores `peer name`, so add mna, find its auto-named peer through iflink, and rename it.
ip link del mna 2>/dev/null
ip link add mna type veth || exit 1
peer_index=$(cat /sys/class/net/mna/iflink)
for d in /sys/class/net/*; do
	[ "$(cat "$d/ifindex")" = "$peer_index" ] && peer=${d##*/}
done
[ -n "$peer" ] || exit 1
ip link set "$peer" name mnb || exit 1
for i in mna mnb; do
	ip link set "$i" mtu 9000 || exit 1
	ip link set "$i" up || exit 1
done
