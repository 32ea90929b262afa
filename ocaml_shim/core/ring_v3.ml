include Ring_sw.Make (struct
  let proto = Layout.proto_v3
  let name = "v3"

  (* The heavy side of the asymmetric barrier (cons_heavy in ring.c): membarrier, or a full fence
     where the platform has none (then the producers use full fences too). 0 or -errno. *)
  let barrier = Hdr_ops.heavy_barrier
end)
