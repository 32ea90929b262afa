/* SPDX-License-Identifier: ISC */
/*
 * Thin stubs of /dev/mnetif for the OCaml port (Kdev): the ioctls of mnetif/uapi.h, mmap of the
 * ring and poll(). No logic: every decision is in kdev.ml. Errors are returned as -errno (ints),
 * except mmap, which raises Unix_error.
 *
 * Mapping lifetime (a managed finaliser, not CAML_BA_EXTERNAL): the ring is wrapped with the
 * unix library's mapped-file Bigarray (caml_unix_mapped_alloc, what Unix.map_file returns), whose
 * finaliser munmaps once the array AND every sub-view (Cstruct.sub shares a refcounted proxy)
 * are unreachable. So no OCaml view can outlive the mapping: no use-after-munmap is possible.
 * The mapping holds a reference to the file, so closing the fd alone would not unplug while the
 * array lives: Kdev.close unplugs with MNETIF_IOC_UNPLUG before it closes the fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CAML_NAME_SPACE
#include <caml/alloc.h>
#include <caml/bigarray.h>
#include <caml/memory.h>
#include <caml/mlvalues.h>
#include <caml/signals.h>
#include <caml/unixsupport.h>

#include "mnetif/uapi.h"

/* otherlibs/unix/mmap_unix.c (OCaml 4.13: CAMLexport, no header declares it). */
extern value caml_unix_mapped_alloc(int flags, int num_dims, void *data, intnat *dim);

static int ioctl_nolock(int fd, unsigned long req, void *arg)
{
	int r;

	/* PLUG/UNPLUG take rtnl_lock in the module: never hold the OCaml runtime meanwhile. */
	caml_enter_blocking_section();
	r = ioctl(fd, req, arg) < 0 ? -errno : 0;
	caml_leave_blocking_section();
	return r;
}

/* An int array the OCaml side allocated with at least n fields (immediates: no barrier needed). */
static void store_all(value out, const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < Wosize_val(out); i++)
		Field(out, i) = Val_long(v[i]);
}

/* args = [| proto; nslots; slotsize; flags; buflen |];
 * out := [| mmap_len; index; size; slot_bytes; dataoff; up |], mac := 6 bytes. */
value mnkd_plug(value fd, value name, value args, value out, value mac)
{
	struct mnetif_plug p;
	int r;

	memset(&p, 0, sizeof(p));
	if (caml_string_length(name) >= sizeof(p.name) || memchr(String_val(name), 0, caml_string_length(name)))
		return Val_int(-EINVAL);
	memcpy(p.name, String_val(name), caml_string_length(name));
	p.proto = Long_val(Field(args, 0));
	p.nslots = Long_val(Field(args, 1));
	p.slotsize = Long_val(Field(args, 2));
	p.flags = Long_val(Field(args, 3));
	p.buflen = Long_val(Field(args, 4));
	r = ioctl_nolock(Int_val(fd), MNETIF_IOC_PLUG, &p);
	if (r)
		return Val_int(r);
	{
		uint64_t v[] = { p.mmap_len, p.index, p.size, p.slot_bytes, p.dataoff, p.up };

		store_all(out, v, sizeof(v) / sizeof(v[0]));
	}
	memcpy(Bytes_val(mac), p.mac, 6);
	return Val_int(0);
}

value mnkd_unplug(value fd)
{
	return Val_int(ioctl_nolock(Int_val(fd), MNETIF_IOC_UNPLUG, NULL));
}

/* out := [| frames; bytes; drop_full; drop_oversize; drop_busy; drop_error; notify; error;
 *           plugged; gone |] (the producer's private counters). */
value mnkd_counters(value fd, value out)
{
	struct mnetif_counters c;
	int r = ioctl(Int_val(fd), MNETIF_IOC_COUNTERS, &c) < 0 ? -errno : 0;

	if (r)
		return Val_int(r);
	{
		uint64_t v[] = { c.frames, c.bytes, c.drop_full, c.drop_oversize, c.drop_busy,
				 c.drop_error, c.notify, c.error, c.plugged, c.gone };

		store_all(out, v, sizeof(v) / sizeof(v[0]));
	}
	return Val_int(0);
}

/* The file's latest ring, len bytes, shared read/write. Raises Unix_error. */
value mnkd_map(value fd, value len)
{
	intnat dim = Long_val(len);
	void *m = mmap(NULL, dim, PROT_READ | PROT_WRITE, MAP_SHARED, Int_val(fd), 0);

	if (m == MAP_FAILED)
		uerror("mmap", Nothing);
	return caml_unix_mapped_alloc(CAML_BA_CHAR | CAML_BA_C_LAYOUT, 1, m, &dim);
}

/* poll(fd, POLLIN, timeout_ms): bit 0 = POLLIN (a signal is pending; poll never clears it), bit 1 =
 * POLLHUP|POLLERR (the interface is gone); -errno. Blocks without the runtime lock. */
value mnkd_poll(value fd, value timeout_ms)
{
	struct pollfd pf = { .fd = Int_val(fd), .events = POLLIN };
	int r, t = Int_val(timeout_ms);

	if (t != 0)
		caml_enter_blocking_section();
	r = poll(&pf, 1, t);
	if (r < 0)
		r = -errno;
	if (t != 0)
		caml_leave_blocking_section();
	if (r < 0)
		return Val_int(r == -EINTR ? 0 : r);
	return Val_int((pf.revents & POLLIN ? 1 : 0) | (pf.revents & (POLLHUP | POLLERR) ? 2 : 0));
}

/* read(fd, 8 bytes): clears the event channel. The count of signals since the last clear, 0 when
 * none was pending (EAGAIN), or -errno. Never blocks (the device's read does not). */
value mnkd_clear(value fd)
{
	uint64_t n;
	ssize_t r = read(Int_val(fd), &n, sizeof(n));

	if (r == (ssize_t)sizeof(n))
		return Val_long((intnat)(n & 0x3fffffff));
	if (r < 0)
		return Val_int(errno == EAGAIN ? 0 : -errno);
	return Val_int(-EIO);
}

/* ---- transmit path (uapi.h "Transmit path") ------------------------------------------------- */

/* args = [| nslots; slotsize; buflen |]; out := [| mmap_len; size; slot_bytes; dataoff; mtu |]. */
value mnkd_tx_attach(value fd, value args, value out)
{
	struct mnetif_tx t;
	int r;

	memset(&t, 0, sizeof(t));
	t.nslots = Long_val(Field(args, 0));
	t.slotsize = Long_val(Field(args, 1));
	t.buflen = Long_val(Field(args, 2));
	r = ioctl_nolock(Int_val(fd), MNETIF_IOC_TX_ATTACH, &t);
	if (r)
		return Val_int(r);
	{
		uint64_t v[] = { t.mmap_len, t.size, t.slot_bytes, t.dataoff, t.mtu };

		store_all(out, v, sizeof(v) / sizeof(v[0]));
	}
	return Val_int(0);
}

/* The file's transmit ring, len bytes at MNETIF_TX_MMAP_OFF (same lifetime rule as mnkd_map). */
value mnkd_tx_map(value fd, value len)
{
	intnat dim = Long_val(len);
	void *m = mmap(NULL, dim, PROT_READ | PROT_WRITE, MAP_SHARED, Int_val(fd), (off_t)MNETIF_TX_MMAP_OFF);

	if (m == MAP_FAILED)
		uerror("mmap", Nothing);
	return caml_unix_mapped_alloc(CAML_BA_CHAR | CAML_BA_C_LAYOUT, 1, m, &dim);
}

/* out := [| frames; bytes; drop_runt; drop_oversize; drop_xmit; corrupt; drains; sleeps; attached |]. */
value mnkd_tx_counters(value fd, value out)
{
	struct mnetif_tx_counters c;
	int r = ioctl(Int_val(fd), MNETIF_IOC_TX_COUNTERS, &c) < 0 ? -errno : 0;

	if (r)
		return Val_int(r);
	{
		uint64_t v[] = { c.frames, c.bytes, c.drop_runt, c.drop_oversize, c.drop_xmit, c.corrupt,
				 c.drains, c.sleeps, c.attached };

		store_all(out, v, sizeof(v) / sizeof(v[0]));
	}
	return Val_int(0);
}
