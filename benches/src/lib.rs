//! Benchmarks of the REMUL toolkit; see `benches/` and the README beside it.
