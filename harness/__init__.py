"""Running the real servers for tests and benchmarks."""
