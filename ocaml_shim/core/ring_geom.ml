open Layout

type t = {
  buf : Cstruct.buffer;
  base : int;
  proto : int;
  size : int;
  mask : int;
  slotsize : int;
  dataoff : int;
  buflen : int;
  whole : Cstruct.t;
}

let ( let* ) = Result.bind
let check ok field value why = if ok then Ok () else Ring_error.corrupt field value why
let is_pow2 n = n > 0 && n land (n - 1) = 0
let u32 i = Int32.to_int i land 0xffff_ffff

(* The byte order is told by the magic alone, read byte-wise on purpose: only the initialiser
   writes sr_magic, before the ring is shared, so a plain read cannot tear. *)
let probe_order cs =
  let le = u32 (Cstruct.LE.get_uint32 cs off_magic) and be = u32 (Cstruct.BE.get_uint32 cs off_magic) in
  let ours x = x land lnot 0xff = magic_base in
  if ours le && ours be then Ok Sys.big_endian (* a palindromic magic cannot happen: "MNR" *)
  else if ours le then Ok false
  else if ours be then Ok true
  else Ring_error.corrupt "sr_magic" le "not an mnetif ring (no \"MNR\" magic in either byte order)"

(* Where the length table ends, and the lowest sr_dataoff (dataoff_for in ring.c): v1/2012 put
   slot 0 right after the table, the single-writer protocols at least there, 64-aligned. *)
let lens_end proto size = off_lens_of proto + (2 * size)
let single_writer proto = proto = proto_v2 || proto = proto_v3

let of_cstruct ?(allow_2012 = false) cs =
  let buf = cs.Cstruct.buffer and base = cs.Cstruct.off and buflen = cs.Cstruct.len in
  let* () = check (buflen >= hdr_size) "buffer" buflen "shorter than the 64-byte header" in
  let* () = check (base land 7 = 0) "buffer offset" base "header not 8-byte aligned" in
  let* big = probe_order cs in
  let* () =
    check (big = Sys.big_endian) "sr_magic" (u32 (Cstruct.LE.get_uint32 cs off_magic))
      (if big then "ring is big-endian, host little-endian" else "ring is little-endian, host big-endian")
  in
  let magic = Hdr_ops.load32_relaxed buf (base + off_magic) in
  let proto = magic land 0xff in
  let known = proto = proto_v1 || proto = proto_v2 || proto = proto_v3 || (allow_2012 && proto = proto_2012) in
  let* () = check known "sr_magic" magic "unknown protocol" in
  let size = Hdr_ops.load16_relaxed buf (base + off_size) in
  let slotsize = Hdr_ops.load16_relaxed buf (base + off_slotsize) in
  let dataoff = Hdr_ops.load32_relaxed buf (base + off_dataoff) in
  let* () = check (size <> 0) "sr_size" size "is 0" in
  let* () = check (is_pow2 size && size <= max_size) "sr_size" size "not a power of two <= 32768" in
  let* () =
    check (slotsize >= min_slotsize && slotsize mod 64 = 0) "sr_slotsize" slotsize "not a multiple of 64 >= 64"
  in
  let dataoff_ok =
    if single_writer proto then dataoff >= (lens_end proto size + 63) land lnot 63 && dataoff mod 64 = 0
    else dataoff = lens_end proto size
  in
  let* () = check dataoff_ok "sr_dataoff" dataoff "overlaps the length table or is misaligned" in
  let* () =
    check (dataoff + (size * slotsize) <= buflen) "sr_dataoff + sr_size*sr_slotsize"
      (dataoff + (size * slotsize))
      (Printf.sprintf "exceeds the buffer length %d" buflen)
  in
  Ok { buf; base; proto; size; mask = size - 1; slotsize; dataoff; buflen; whole = Cstruct.of_bigarray buf }

let slot_off g i = g.base + g.dataoff + ((i land g.mask) * g.slotsize)
let field g off = g.base + off
