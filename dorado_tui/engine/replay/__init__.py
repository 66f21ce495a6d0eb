"""Replay: the whole daily loop over simulated history on a fast-forward clock, in a throwaway
home, with a report (`service.run_replay`)."""
