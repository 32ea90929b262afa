let () =
  Alcotest.run "mnetif_ocaml"
    [ ("layout", Test_layout.tests); ("ring", Test_ring.tests); ("differential", Test_diff.tests);
      ("netif", Test_netif.tests) ]
