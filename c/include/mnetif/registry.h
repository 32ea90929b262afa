/* SPDX-License-Identifier: ISC */
/*
 * mnetif plug registry (OS-neutral): which interface feeds which ring.
 *
 * Contract of the 2012 OCaml externals, kept by the OCaml shim on top of this:
 *   get_vifs   : unit -> string list                          (mn_get_vifs)
 *   plug_vif   : string -> Io_page.t -> bool * int * string   (mn_plug: up, index, MAC)
 *   unplug_vif : string -> unit                               (mn_unplug)
 *
 * Concurrency:
 *   - plug/unplug/get_vifs are the control path, serialised by mn_os_ctl_lock().
 *   - netif_ether_input() is the data path: called concurrently from any number of threads
 *     (multi-queue NICs, several AF_PACKET threads). It never sleeps and never takes the control lock.
 *   - One producer per ring: concurrent inputs on one interface are excluded by the entry's producer
 *     lock (plock); one ring cannot be plugged to two interfaces (-EBUSY).
 *   - Unplug is safe against concurrent input: it marks the entry DYING, issues a full fence, and
 *     waits until the entry's in-flight count (users) is 0; an input increments users (fully
 *     ordered) and re-checks the state before touching the ring. After mn_unplug() returns, no
 *     producer touches the ring, so its owner may free it.
 *
 * Errors (0 / -errno): -ENODEV unknown interface or not Ethernet; -EEXIST interface already plugged;
 * -EBUSY ring already plugged to another interface; -EINVAL ring fails attach validation (see
 * mn_plug_why()); -ENOSPC registry full; -ENOENT unplug of a name that is not plugged (the OCaml
 * external maps this to the 2012 no-op).
 */
#ifndef MNETIF_REGISTRY_H
#define MNETIF_REGISTRY_H

#include "ring.h"

#define MN_IFNAMSIZ 16
#ifndef MN_MAX_PLUGS
#define MN_MAX_PLUGS 32      /* power of two; the model build uses a small table */
#endif

struct mn_ifinfo {
	char name[MN_IFNAMSIZ];
	uint32_t index;          /* interface index (> 0) */
	uint8_t mac[6];
	uint8_t up;
	uint8_t is_ether;
};

enum mn_entry_state { MN_ENTRY_FREE = 0, MN_ENTRY_LIVE = 1, MN_ENTRY_DYING = 2 };

/* One plugged interface. Entries live in a static table and are reused, never freed, so a racing
 * input can always read the state word; the RING is what unplug hands back to its owner. */
struct mn_entry {
	mn_u32 state;            /* enum mn_entry_state; (ctl) written under the control lock */
	mn_u32 ifindex;          /* (ctl) valid while LIVE/DYING */
	mn_u32 users;            /* in-flight inputs (fetch_add by inputs) */
	mn_u32 plock;            /* producer exclusion: test-and-set */
	struct mn_prod prod;     /* owned by the plock holder */
	char name[MN_IFNAMSIZ];  /* (ctl) control path only */
	void *ring;              /* (ctl) */
	uint64_t ringlen;        /* (ctl) */
	uint64_t gen;            /* (ctl) this plug's generation: unique, never reused (0 = none) */
	void *os;                /* platform's per-entry state (eventfd, AF_PACKET thread, ...) */
};

struct mn_plug_info {
	int up;
	uint32_t index;
	uint8_t mac[6];
	int event_fd;            /* userspace: the ring's eventfd; -1 where the platform has none */
	uint64_t gen;            /* the plug's generation (> 0): names THIS plug, see below */
};

/*
 * Names and generations. A name says which interface; a generation says which plug. They differ
 * when an interface disappears while plugged (userspace: `ip link del`; the entry stays until its
 * owner unplugs it) and a new interface of the same name is plugged: two entries, one name. Owners
 * of a plug (the bindings, the Linux glue) unplug and read counters by generation, so closing the
 * old plug never touches the new one. A name resolves to the NEWEST plug of that name: plugging
 * a name takes it from an older plug (whose interface is gone), which keeps its generation.
 */
int mn_plug(const char *name, void *ring, uint64_t ringlen, struct mn_plug_info *out);
int mn_unplug(const char *name);
int mn_unplug_gen(uint64_t gen);                  /* 0, -ENOENT (not plugged any more) */
int64_t mn_plug_gen(const char *name);            /* the generation a name resolves to, -ENOENT */
/* Fills up to max Ethernet interfaces; returns how many exist (may exceed max) or -errno. */
int mn_get_vifs(struct mn_ifinfo *out, int max);
/* Why the last mn_plug() returned -EINVAL (attach validation), or NULL. Control path only. */
const char *mn_plug_why(void);

/* Data path: deliver one received frame of interface ifindex to its plugged ring, if any.
 * Returns the ring's push result (0 or -ENOBUFS/-EMSGSIZE/-EBUSY/-EIO), or -ENODEV when the
 * interface is not plugged. copy may be NULL (plain copy from frame). */
int netif_ether_input(uint32_t ifindex, const void *frame, size_t len);
int netif_ether_input_copy(uint32_t ifindex, const void *src, size_t len, mn_copy_fn copy);
/* Deliver up to MN_BATCH_MAX frames of ifindex with one producer-lock hold and one
 * mn_prod_push_batch (one publication, at most one signal). Returns the number published (a prefix,
 * in order, of the frames that fit a slot; every other frame was dropped and counted: oversize
 * ones as -EMSGSIZE, the rest for the reason stored in *drop_why if not NULL: -ENOBUFS / -EBUSY /
 * -EIO, 0 = none), or -ENODEV (not plugged), -EINVAL (n > MN_BATCH_MAX). */
int netif_ether_input_batch(uint32_t ifindex, const struct mn_frame *f, uint32_t n, mn_copy_fn copy,
			    int *drop_why);

/* The entry table (MN_MAX_PLUGS entries), for the model runtime, which must know which addresses
 * are registry words and resets them between executions. Not for the data path. */
struct mn_entry *mn_registry_table(void);

/* The LIVE entry plugged to name (the newest plug of that name), or NULL. Call with
 * mn_os_ctl_lock() held (platform code). */
struct mn_entry *mn_registry_find(const char *name);
/* The LIVE entry of generation gen, or NULL. Same rule. */
struct mn_entry *mn_registry_find_gen(uint64_t gen);

/* Counters of a plugged interface (a consistent copy of the producer's private counters). It spins
 * on the producer lock: a kernel must not call it where the receive path can interrupt it on the
 * same CPU (Linux: softirqs enabled); the Linux glue reads the counters with softirqs off instead. */
int mn_plug_counters(const char *name, struct mn_counters *out);
int mn_plug_counters_gen(uint64_t gen, struct mn_counters *out);

/* ---- what each platform provides (c/platform/<os>/, c/model/) ---------------------------- */
int mn_os_ifinfo_by_name(const char *name, struct mn_ifinfo *out);   /* 0 or -ENODEV */
/* The Ethernet interfaces only (those mn_plug accepts): fills up to max, returns how many exist. */
int mn_os_list_ifs(struct mn_ifinfo *out, int max);
void mn_os_ctl_lock(void);
void mn_os_ctl_unlock(void);
/* Called under the control lock just before the entry is published (LIVE): set up the event
 * channel and start delivering frames of the interface (AF_PACKET thread, rx_handler); frames
 * arriving before the entry is LIVE are not delivered (-ENODEV). */
int mn_os_attach(struct mn_entry *e, struct mn_plug_info *out);
/* Called under the control lock BEFORE the entry is marked DYING: stop the platform's input. */
void mn_os_detach(struct mn_entry *e);
/* Called under the control lock after the last producer left: the ring goes back to its owner. */
void mn_os_released(struct mn_entry *e);
/* The producer's notify callback: signal the event channel of e. */
void mn_os_notify(void *e);

#endif /* MNETIF_REGISTRY_H */
