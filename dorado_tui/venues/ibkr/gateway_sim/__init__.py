"""A TWS-protocol gateway simulator: speaks the IB API socket protocol to unmodified ib_async."""
