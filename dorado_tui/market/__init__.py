"""Market data: bar store access, CSV import, the seeded market simulator."""
