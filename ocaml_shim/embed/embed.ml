(* Entry points of the embedded OCaml object (mnetif_ocaml.so), registered for the C glue in
   embed_stubs.c, which Python calls through ctypes (mnetif/ocaml.py). *)
open Mnetif_core
open Mnetif

external start_producer : string -> int -> Unix.file_descr = "mnoc_start_producer"
external join_producer : unit -> int * int * int * int = "mnoc_join_producer"

(* Frame seq as producer.c builds it. *)
let fnv1a v off len =
  let h = ref 0x811c9dc5 in
  for j = off to off + len - 1 do
    h := (!h lxor Cstruct.get_uint8 v j) * 16777619 land 0xffff_ffff
  done;
  !h

type stats = {
  mutable delivered : int;
  mutable next : int;  (** the lowest seq not yet seen *)
  mutable gaps : int;  (** frames skipped between deliveries: must equal the drops *)
  mutable out_of_order : int;
  mutable corrupt : int;
  mutable bytes : int;
  mutable first_bad : int;  (** seq of the first corrupt frame, -1 *)
}

let check st v =
  let len = Cstruct.length v in
  let seq = if len >= 8 then Int64.to_int (Cstruct.LE.get_uint64 v 0) else -1 in
  let ok_len = len = 60 + (seq * 37 mod 256) in
  let ok_sum = ok_len && Int32.to_int (Cstruct.LE.get_uint32 v 8) land 0xffff_ffff = fnv1a v 12 (len - 12) in
  let ok_bytes =
    ok_sum
    &&
    let rec go j = j >= len || (Cstruct.get_uint8 v j = ((seq * 31) + j) land 0xff && go (j + 1)) in
    go 12
  in
  st.delivered <- st.delivered + 1;
  st.bytes <- st.bytes + len;
  if not ok_bytes then begin
    st.corrupt <- st.corrupt + 1;
    if st.first_bad < 0 then st.first_bad <- max seq 0
  end
  else if seq < st.next then st.out_of_order <- st.out_of_order + 1
  else begin
    st.gaps <- st.gaps + (seq - st.next);
    st.next <- seq + 1
  end

(* Real mode: a C producer thread and this OCaml consumer (Netif.listen, event channel) on real
   threads. Returns [| delivered; pushed; drops; gaps; out_of_order; corrupt; bytes; sr_drop_full;
   sr_frames; elapsed_ns; first_bad; sr_notify; full; busy; sr_drop_busy |]. *)
let real_run name proto nframes =
  let t = match Netif.create ~proto name with Ok t -> t | Error m -> failwith m in
  (match Netif.plug t with Ok () -> () | Error m -> failwith m);
  let st = { delivered = 0; next = 0; gaps = 0; out_of_order = 0; corrupt = 0; bytes = 0; first_bad = -1 } in
  let t0 = Unix.gettimeofday () in
  let done_fd = start_producer name nframes in
  let stop = Lwt_unix.wait_read (Lwt_unix.of_unix_file_descr ~blocking:false ~set_flags:false done_fd) in
  let res = Lwt_main.run (Netif.listen ~stop [ t ] (fun _ v -> check st v)) in
  let pushed, drops, full, busy = join_producer () in
  (* Every push happened before the done signal: one last drain sees the rest. *)
  let rec drain () = match Netif.rx_poll t (check st) with Ok 0 -> Ok () | Ok _ -> drain () | Error _ as e -> e in
  let res = match res with Ok () -> drain () | e -> e in
  let elapsed = Unix.gettimeofday () -. t0 in
  (match res with Ok () -> () | Error e -> failwith (Ring_error.to_string e));
  let g = Ring.geometry (Netif.ring t) in
  let hdr off = Hdr_ops.load32_relaxed g.Ring_geom.buf (g.Ring_geom.base + off) in
  let frames = Hdr_ops.load64_relaxed g.Ring_geom.buf (g.Ring_geom.base + Layout.off_frames) in
  let r =
    [| st.delivered; pushed; drops; st.gaps; st.out_of_order; st.corrupt; st.bytes; hdr Layout.off_drop_full;
       frames; int_of_float (elapsed *. 1e9); st.first_bad; hdr Layout.off_notify; full; busy;
       hdr Layout.off_drop_busy |]
  in
  Netif.unplug t;
  r

(* A ring owned by Python (an external Bigarray, valid only during this call): pop up to [max]
   frames into [out] (back to back) and their lengths into [lens] (u32 host-endian). Returns the
   count; raises Failure naming the corrupt field. *)
let consume ring out lens max =
  match Ring.of_buf (Cstruct.of_bigarray ring) with
  | Error e -> failwith (Ring_error.to_string e)
  | Ok r ->
      let outc = Cstruct.of_bigarray out and lensc = Cstruct.of_bigarray lens in
      let rec go n pos =
        if n >= max then n
        else
          match Ring.top_packet r with
          | Error e -> failwith (Ring_error.to_string e)
          | Ok None -> n
          | Ok (Some v) ->
              let len = Cstruct.length v in
              if pos + len > Cstruct.length outc then n
              else begin
                Cstruct.blit v 0 outc pos len;
                Cstruct.HE.set_uint32 lensc (4 * n) (Int32.of_int len);
                (match Ring.pop_packet r with Ok () -> () | Error e -> failwith (Ring_error.to_string e));
                go (n + 1) (pos + len)
              end
      in
      go 0 0

let () =
  Callback.register "mnetif.real_run" real_run;
  Callback.register "mnetif.consume" consume
