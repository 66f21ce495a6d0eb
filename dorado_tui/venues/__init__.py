"""Venue ports (ABCs) and adapters: the simulation venue and Interactive Brokers."""
