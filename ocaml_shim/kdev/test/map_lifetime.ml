(* Host test of Kdev's mapping lifetime (kdev_stubs.c, mnkd_map): the managed finaliser munmaps
   only once the array AND every Cstruct view of it are unreachable. A regular file stands in
   for /dev/mnetif (the module is never loaded on the host); the stub is the same.
   Run: dune test --root . (make test-ocaml). *)

external map : Unix.file_descr -> int -> Cstruct.buffer = "mnkd_map"

let mapped path =
  let ic = open_in "/proc/self/maps" in
  let rec scan () = match input_line ic with l -> String.ends_with ~suffix:path l || scan () | exception End_of_file -> false in
  Fun.protect ~finally:(fun () -> close_in ic) scan

let fail fmt = Printf.ksprintf (fun s -> prerr_endline ("map_lifetime: FAIL: " ^ s); exit 1) fmt

let () =
  let path = Filename.temp_file "kdev_map" ".ring" in
  let len = 3 * 4096 in
  let fd = Unix.openfile path [ Unix.O_RDWR ] 0 in
  ignore (Unix.write_substring fd (String.init len (fun i -> Char.chr (i land 0xff))) 0 len);
  let view = ref None in
  (let buf = map fd len in
   let cs = Cstruct.of_bigarray buf in
   if Cstruct.get_uint8 cs 4097 <> 1 then fail "mapped bytes differ from the file";
   view := Some (Cstruct.sub cs 4096 100));
  Unix.close fd;
  Gc.full_major ();
  if not (mapped path) then fail "unmapped while a view of it was still reachable (use after munmap)";
  (match !view with
  | Some v when Cstruct.get_uint8 v 1 = 1 -> ()
  | _ -> fail "the surviving view does not read the file's bytes");
  view := None;
  Gc.full_major ();
  Gc.full_major ();
  let still = mapped path in
  Sys.remove path;
  if still then fail "still mapped after every view became unreachable (the finaliser does not munmap)";
  print_endline "map_lifetime: PASS (mapped while a sub-view lives, unmapped by the GC after)"
