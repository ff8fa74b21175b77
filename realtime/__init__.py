"""aiortc peers and the live media pipeline: tracks in, analyzer samples out, without ever falling behind."""
