"""Pure per-frame and per-chunk analysis: samples in, observations out. Knows no asyncio, HTTP or Redis."""
