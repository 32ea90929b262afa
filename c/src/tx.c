/* SPDX-License-Identifier: ISC */
/*
 * mnetif transmit consumer: OS-neutral; touches the shared ring only through ring.c's consumer
 * (mn_cons_*), so every ordering rule is the one ring.h states and the harness proves for a
 * consumer that peeks in batches, releases in batches and waits with the final check.
 * Contract and roles: mnetif/tx.h.
 */
#include "mnetif/tx.h"
#include "compat.h"

int mn_tx_attach(struct mn_tx *t, void *buf, uint64_t buflen, uint32_t min_len, uint32_t max_len)
{
	struct mn_geom g;
	int err;

	if (!t || max_len < min_len)
		return -EINVAL;
	err = mn_ring_geometry(buf, buflen, &g, NULL);
	if (err)
		return err;
	if (g.proto != MN_PROTO_V2)
		return -EPROTONOSUPPORT;
	err = mn_cons_attach(&t->c, buf, buflen);
	if (err)
		return err;
	t->min_len = min_len;
	t->max_len = max_len;
	t->ctr = (struct mn_tx_counters){ 0 };
	/* Start asleep: arm sr_wake (final check) so that the producer's first push kicks. A
	 * consumer that drains only when kicked (the Linux module) would otherwise never start. */
	t->armed = mn_cons_prepare_wait(&t->c);
	return 0;
}

/* Keeps the frames the device may take, in order, at the front of s[] (in place); counts the
 * others. */
static uint32_t tx_filter(struct mn_tx *t, struct mn_slot *s, uint32_t n)
{
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i].len < t->min_len)
			t->ctr.drop_runt++;
		else if (s[i].len > t->max_len)
			t->ctr.drop_oversize++;
		else
			s[k++] = s[i];
	}
	return k;
}

int mn_tx_drain(struct mn_tx *t, mn_xmit_fn xmit, void *arg, uint32_t budget)
{
	struct mn_slot *s = t->batch;
	uint32_t done = 0, i, k, sent;
	int n;

	t->armed = 0;
	t->ctr.drains++;
	for (;;) {
		if (budget && done >= budget)
			return (int)done;
		/* One load-acquire of the producer's index covers every slot below it (ring.h v2). */
		n = mn_cons_peek_n(&t->c, s, MN_TX_BATCH);
		if (n < 0) {
			t->ctr.corrupt++;
			return n;
		}
		if (n == 0) {
			/* Final check: arm sr_wake, full fence, re-check. Still empty: any later frame
			 * crosses sr_wake and its producer kicks. Not empty: drain what came meanwhile. */
			if (mn_cons_prepare_wait(&t->c)) {
				t->armed = 1;
				t->ctr.sleeps++;
				return (int)done;
			}
			continue;
		}
		k = tx_filter(t, s, (uint32_t)n);
		sent = k ? xmit(arg, s, k) : 0;
		if (sent > k)
			sent = k;
		for (i = 0; i < sent; i++)
			t->ctr.bytes += s[i].len;
		t->ctr.frames += sent;
		t->ctr.drop_xmit += k - sent;
		/* The device has copied (or refused) every frame of the batch: the slots go back to
		 * the producer with one store-release of sr_cur. v2 never answers -EBUSY; n frames were
		 * just peeked, so -ENOENT cannot happen either. */
		if (mn_cons_release_n(&t->c, (uint32_t)n) < 0) {
			t->ctr.corrupt++;
			return -EIO;
		}
		done += (uint32_t)n;
	}
}
