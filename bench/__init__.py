"""``make bench``: syncd's throughput, CPU and memory against the sandbox fakes."""
