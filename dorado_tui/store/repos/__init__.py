"""Repository functions: what the engine calls, each taking the session of the caller's transaction.

Usage: `async with db.transaction() as tx: await bots.record_transition(tx, ...)`; every function
writes for the user of the session (`Database(user_id=...)`), accepts and returns domain values.
"""
