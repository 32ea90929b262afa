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
# Negative controls of the verdict itself (make kmod-test-selfcheck): both must end in FAIL.
case " $(cat /proc/cmdline) " in
	*" mnetif.selftest=panic "*) echo c > /proc/sysrq-trigger;;
	*" mnetif.selftest=hang "*) while :; do sleep 1; done;;
esac
insmod /lib/veth.ko || verdict "FAIL insmod veth.ko"
insmod /lib/mnetif.ko || verdict "FAIL insmod mnetif.ko"
[ -c /dev/mnetif ] || verdict "FAIL no /dev/mnetif"
sh /veth.sh || verdict "FAIL veth pair"
# mnetif.vmtest=exact runs only the byte-exact scenarios and no figure (negative controls).
only=$(sed -n 's/.*mnetif\.vmtest=\([a-z]*\).*/\1/p' /proc/cmdline)
vmtest ${only:-all}; rc=$?
if [ -z "$only" ]; then
	# The OCaml port (ocaml_shim/kdev) consuming from the device: its own CHECK lines.
	kdevtest all || rc=1
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
