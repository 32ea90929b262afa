(* Link the entry points (Embed registers its callbacks at initialisation). *)
let () = ignore Embed.real_run; ignore Model_consumer.step
