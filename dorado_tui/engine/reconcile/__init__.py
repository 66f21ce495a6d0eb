"""Reconciliation: venue positions, open orders and executions against the store, keyed by client
order id — the pure comparison (`compare`), the snapshots (`snapshots`) and the service (`service`)."""
