"""ml-metadata's system types (mlmd.Dataset, mlmd.Train, ...)."""
