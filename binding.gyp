{
  "targets": [
    {
      "target_name": "sched_slice",
      "sources": ["native/sched_slice.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
