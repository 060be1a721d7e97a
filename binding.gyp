{
  "targets": [
    {
      "target_name": "peercred",
      "sources": ["native/peercred.c"]
    }
  ]
}
