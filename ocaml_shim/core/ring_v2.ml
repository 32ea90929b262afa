include Ring_sw.Make (struct
  let proto = Layout.proto_v2
  let name = "v2"
  let barrier = Ring_cons.full_fence
end)
