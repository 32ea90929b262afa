/* SPDX-License-Identifier: ISC */
/* One epoll registration and wait, for the check that epoll keeps a pending signal of the
 * level-triggered device poll (kdevtest.ml, epoll_keeps_signal). */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define CAML_NAME_SPACE
#include <caml/mlvalues.h>

/* EPOLL_CTL_ADD fd for EPOLLIN, then epoll_wait(timeout_ms): events reported, or -errno. */
value kdt_epoll_once(value fd, value timeout_ms)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep = epoll_create1(EPOLL_CLOEXEC), r;

	if (ep < 0)
		return Val_int(-errno);
	ev.data.fd = Int_val(fd);
	r = epoll_ctl(ep, EPOLL_CTL_ADD, Int_val(fd), &ev) < 0 ? -errno : 0;
	if (!r)
		r = epoll_wait(ep, &out, 1, Int_val(timeout_ms));
	if (r < 0)
		r = -errno;
	close(ep);
	return Val_int(r);
}
