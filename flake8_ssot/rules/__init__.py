"""Rule families, one module each: mutation (SOT1xx), duplicates (SOT2xx), serializable (SOT3xx)."""
