{
  "targets": [
    {
      "target_name": "syn_guard",
      "sources": ["src/syn_guard.c", "src/notify.c"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["src/syn_guard.c", "src/notify.c"]}]]
    }
  ]
}
