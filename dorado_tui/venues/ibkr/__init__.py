"""Interactive Brokers venue adapter on ib_async, and the TWS-protocol gateway simulator."""
