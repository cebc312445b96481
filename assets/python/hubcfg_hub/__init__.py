"""hubcfg's Python side, shipped inside the hubcfg binary and versioned
with it. Each job is a module run as `python -m hubcfg_hub.NAME`: it reads
one JSON request on stdin and writes one JSON reply on stdout (see
`_jsonio`). Rust builds no Python source; it only sends data."""
