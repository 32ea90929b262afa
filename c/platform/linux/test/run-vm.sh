#!/usr/bin/env bash
# Boots the test VM and turns its console into a verdict.
#   run-vm.sh KERNEL INITRAMFS LOG [TIMEOUT_S]      (env: MNETIF_VM_SMP, MNETIF_VM_APPEND)
# PASS needs BOTH qemu's isa-debug-exit status 33 (vmtest exit 16) AND the console marker
# "MNETIF-VM: PASS". A panic (panic=-1 + -no-reboot exits qemu with 0), a hang (timeout) or a
# missing marker is a FAIL. Always TCG: /dev/kvm on these machines does not run a stock kernel.
# -cpu: qemu64 plus x86-64-v2 (SSE4.2, POPCNT), which the host's numpy (pycheck) needs (plain qemu64:
# SIGILL); -cpu max or Nehalem also work but make TCG (and the figures) markedly slower here.
set -uo pipefail
kernel=$1 initrd=$2 log=$3 limit=${4:-300}
smp=${MNETIF_VM_SMP:-2}
# The Python bindings' check (pycheck.py) runs the HOST's interpreter, numpy and pyharness inside the
# VM: the host's / is exported read-only over virtio-9p and init chroots into it.
#   MNETIF_VM_PYTHON=/abs/python3 MNETIF_VM_PYCHECK=/abs/pycheck.py MNETIF_VM_BUILD=/abs/build
hostfs=() append=${MNETIF_VM_APPEND:-}
if [ -n "${MNETIF_VM_PYTHON:-}" ]; then
	for v in "$MNETIF_VM_PYTHON" "${MNETIF_VM_PYCHECK:-}" "${MNETIF_VM_BUILD:-}"; do
		case $v in /*[[:space:]]*|"") echo "run-vm.sh: MNETIF_VM_PYTHON/PYCHECK/BUILD must be absolute paths without spaces ('$v')" >&2; exit 2;; /*) ;; *) echo "run-vm.sh: '$v' is not absolute" >&2; exit 2;; esac
	done
	hostfs=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	append="$append mnetif.python=$MNETIF_VM_PYTHON mnetif.pycheck=$MNETIF_VM_PYCHECK mnetif.build=$MNETIF_VM_BUILD"
fi
start=$(date +%s)
timeout --foreground -k 5 "$limit" qemu-system-x86_64 -accel tcg -cpu "${MNETIF_VM_CPU:-qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt}" -smp "$smp" -m 512 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 quiet loglevel=4 $append" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 "${hostfs[@]}" </dev/null >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
tr -d '\r' <"$log" >"$log.txt"

echo "---- mnetif VM test: $(grep -m1 'MNETIF-VM: booted' "$log.txt" | sed 's/.*booted //') ($secs s, console: $log.txt)"
grep -E '^CHECK ' "$log.txt" | sed 's/^CHECK /  /'
grep -E '^FIGURE ' "$log.txt" | sed 's/^FIGURE /  /'
npass=$(grep -c '^CHECK .*: PASS' "$log.txt")
nfail=$(grep -c '^CHECK .*: FAIL' "$log.txt")
marker=$(grep -m1 -oE 'MNETIF-VM: (PASS|FAIL.*)' "$log.txt")
if [ $rc -eq 33 ] && [ "$marker" = "MNETIF-VM: PASS" ] && [ "$nfail" -eq 0 ] && [ "$npass" -gt 0 ]; then
	echo "---- PASS: $npass checks passed; qemu exit 33; marker '$marker'"
	exit 0
fi
case $rc in
	124|137) why="qemu killed after ${limit}s (hang)";;
	0) why="qemu exited 0: kernel panic or reboot (no isa-debug-exit)";;
	33) why="isa-debug-exit said PASS but the console disagrees";;
	35) why="the VM reported FAIL";;
	*) why="qemu exit status $rc";;
esac
echo "---- FAIL: $why; $nfail failed / $npass passed checks; marker '${marker:-none}'"
grep -E 'Kernel panic|BUG:|Oops|WARNING:|Call Trace' "$log.txt" | head -20
echo "     reproduce: make kmod-test   (console log: $log.txt)"
exit 1
