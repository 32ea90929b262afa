(* Ordered accesses to ring header fields: one external per operation of mnetif/atomic.h
   (hdr_stubs.c). The ONLY way the OCaml port reads or writes a header field or a length-table
   entry: byte-wise Cstruct accessors are neither atomic nor ordered (the 2012 bug 6).

   PRODUCTION build: [@@noalloc] (the stubs never allocate, raise or yield). The model build
   (ocaml_shim/core_model) generates its copy of this file with every [@@noalloc] removed, because
   there each stub is a visible operation that may switch fibers (see ocaml_shim/README.md).

   Offsets are byte offsets into the Bigarray, unchecked here: callers pass offsets they have
   validated (Ring_geom) and that are naturally aligned. *)

type buf = Cstruct.buffer

external load16_relaxed : buf -> int -> int = "mnoc_load16_relaxed" [@@noalloc]
external load16_acquire : buf -> int -> int = "mnoc_load16_acquire" [@@noalloc]
external load32_relaxed : buf -> int -> int = "mnoc_load32_relaxed" [@@noalloc]
external load32_acquire : buf -> int -> int = "mnoc_load32_acquire" [@@noalloc]
external load64_relaxed : buf -> int -> int = "mnoc_load64_relaxed" [@@noalloc]
external store16_relaxed : buf -> int -> int -> unit = "mnoc_store16_relaxed" [@@noalloc]
external store16_release : buf -> int -> int -> unit = "mnoc_store16_release" [@@noalloc]
external store32_relaxed : buf -> int -> int -> unit = "mnoc_store32_relaxed" [@@noalloc]
external store32_release : buf -> int -> int -> unit = "mnoc_store32_release" [@@noalloc]
external fence : unit -> unit = "mnoc_fence" [@@noalloc]
external test_and_set32 : buf -> int -> int = "mnoc_test_and_set32" [@@noalloc]
external clear_release32 : buf -> int -> unit = "mnoc_clear_release32" [@@noalloc]
external cpu_relax : unit -> unit = "mnoc_cpu_relax" [@@noalloc]

(* v3's heavy barrier (cons_heavy in ring.c): membarrier(GLOBAL_EXPEDITED), or a full fence where
   the platform has none; 0, or -EIO if it could not be issued (then the caller must not sleep).
   Model build: one HEAVY fence step. *)
external heavy_barrier : unit -> int = "mnoc_heavy_barrier" [@@noalloc]
external copy_out : buf -> int -> buf -> int -> int -> unit = "mnoc_copy_out_byte" "mnoc_copy_out" [@@noalloc]

(* peek_frames buf lens_at mask first n slotsize data_at off len: a batch's private views (see
   hdr_stubs.c): len.{k} = ss_len[(first + k) land mask] (one relaxed load each), validated in the
   copy, off.{k} = data_at + ((first + k) land mask) * slotsize; stops at the first length
   > slotsize (left in len.{k}). Returns how many are valid. *)
type ints = (int, Bigarray.int_elt, Bigarray.c_layout) Bigarray.Array1.t

external peek_frames : buf -> int -> int -> int -> int -> int -> int -> ints -> ints -> int = "mnoc_peek_frames_byte" "mnoc_peek_frames" [@@noalloc]

(* Plain (racy) accesses for the faithful 2012 consumer only (Ring_2012). *)
external load16_plain : buf -> int -> int = "mnoc_load16_plain" [@@noalloc]
external store16_plain : buf -> int -> int -> unit = "mnoc_store16_plain" [@@noalloc]
