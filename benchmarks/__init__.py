"""The benchmark and its data generator: run from the repository root, not shipped in the wheel."""
