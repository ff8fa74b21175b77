"""The shared model: rooms, observations, reports, and the store and bus they live in."""
