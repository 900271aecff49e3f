{
  "targets": [
    {
      "target_name": "pairec_native",
      "sources": ["native/pairec_native.c"],
      "cflags": ["-O3", "-ffp-contract=off", "-Wall", "-Wextra"]
    }
  ]
}
