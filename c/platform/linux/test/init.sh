#!/bin/busybox sh
# /init of the mnetif test VM. Verdict: a console marker AND qemu's isa-debug-exit status
# (vmtest exit 16 -> qemu exits 33 = PASS, 17 -> 35 = FAIL); a panic or hang gives neither.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
verdict() {
	echo "MNETIF-VM: $1"
	if [ "$1" = PASS ]; then vmtest exit 16; else vmtest exit 17; fi
	poweroff -f
}
# No IPv6 autoconfiguration traffic on the test links: every frame on them is one the test sent.
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
echo "MNETIF-VM: booted $(uname -r), $(nproc) cpus"
karg() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" /proc/cmdline; }
# pycheck: the host's root (virtio-9p, read-only, exported by run-vm.sh) is mounted on /host and the
# host's own Python runs c/platform/linux/test/pycheck.py in a chroot, against this VM's /dev/mnetif.
# The host's root on /host (virtio-9p, read-only, exported by run-vm.sh) with /dev, /proc, /sys of
# this VM, for a chroot that runs the host's own programs (Python, iputils).
hostroot_mount() {
	for m in $(cat /lib/9p/order); do
		[ -d "/sys/module/${m%.ko}" ] || insmod "/lib/9p/$m" || { echo "CHECK py-9p: FAIL insmod $m"; return 1; }
	done
	mkdir -p /host
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /host ||
		{ echo "CHECK py-9p: FAIL mount of the host's root"; return 1; }
	# No tmpfs over /host/tmp: the checkout may live under the host's /tmp (a fresh clone in CI).
	mount --bind /dev /host/dev && mount -t proc proc /host/proc && mount -t sysfs sys /host/sys ||
		{ echo "CHECK py-9p: FAIL mounts in the chroot"; return 1; }
}
hostroot_umount() { umount /host/sys /host/proc /host/dev /host; }
pycheck() {
	py=$(karg mnetif.python) script=$(karg mnetif.pycheck) build=$(karg mnetif.build)
	if [ -z "$py" ]; then
		echo "CHECK py-bindings: FAIL no mnetif.python= on the command line (run-vm.sh sets it from MNETIF_VM_PYTHON)"
		return 1
	fi
	hostroot_mount || return 1
	chroot /host /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/ PYTHONDONTWRITEBYTECODE=1 MNETIF_BUILD="$build" "$py" "$script" "$1"
	r=$?
	[ $r = 0 ] || echo "CHECK py-bindings: FAIL pycheck.py exited with status $r (a crash if > 128)"
	hostroot_umount
	return $r
}
# The Mirage_net.S netif against the real ping/arping (pingtest; needs hostroot_mount).
. /pingtest.sh
# Negative controls of the verdict itself (make kmod-test-selfcheck): both must end in FAIL.
case " $(cat /proc/cmdline) " in
	*" mnetif.selftest=panic "*) echo c > /proc/sysrq-trigger;;
	*" mnetif.selftest=hang "*) while :; do sleep 1; done;;
esac
insmod /lib/veth.ko || verdict "FAIL insmod veth.ko"
insmod /lib/mnetif.ko || verdict "FAIL insmod mnetif.ko"
[ -c /dev/mnetif ] || verdict "FAIL no /dev/mnetif"
sh /veth.sh || verdict "FAIL veth pair"
# mnetif.vmtest=exact runs only the byte-exact scenarios and no figure (negative controls);
# mnetif.vmtest=ping only the Mirage_net.S ping test (MNETIF_VM_APPEND="mnetif.vmtest=ping");
# mnetif.vmtest=light only v3's light producer: its checks, then its figures (vmbench_light.c).
only=$(sed -n 's/.*mnetif\.vmtest=\([a-z]*\).*/\1/p' /proc/cmdline)
if [ "$only" = ping ]; then pingtest; rc=$?; else vmtest ${only:-all}; rc=$?; fi
[ "$only" = light ] && { VMBENCH_LIGHT_ONLY=1 vmbench $BENCH_FRAMES 64 || rc=1; }
[ "$only" = exact ] && { pycheck exact || rc=1; }
if [ -z "$only" ]; then
	# The OCaml port (ocaml_shim/kdev) consuming from the device: its own CHECK lines.
	kdevtest all || rc=1
	# The transmit path (issue 15): frames pushed into the module's transmit ring, captured on the peer.
	vmtx all || rc=1
	# The Python bindings (mnetif.kmod) consuming from the device: its own CHECK lines.
	pycheck all || rc=1
	sh /veth.sh || verdict "FAIL veth pair (after pycheck)"
	pingtest || rc=1
	sh /veth.sh || verdict "FAIL veth pair (after pingtest)"
	[ -f /lib/pktgen.ko ] && insmod /lib/pktgen.ko
	vmbench $BENCH_FRAMES 64 512 1500 || rc=1
fi
rmmod mnetif || { echo "CHECK rmmod: FAIL"; rc=1; }
lsmod | grep -q '^mnetif' && { echo "CHECK rmmod-gone: FAIL"; rc=1; }
if dmesg | grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|RIP:|soft lockup|hung_task|refcount_t|list_(add|del) corruption|UBSAN|KASAN'; then
	echo "CHECK dmesg-clean: FAIL (above)"
	rc=1
else
	echo "CHECK dmesg-clean: PASS (no BUG/WARNING/Oops/Call Trace after rmmod)"
fi
[ $rc = 0 ] && verdict PASS
verdict FAIL
