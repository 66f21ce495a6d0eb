"""The simulation venue: paper fills against the seeded simulated market."""
