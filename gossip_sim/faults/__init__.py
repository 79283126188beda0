"""What can go wrong in a run, as specs (no SimPy here; :mod:`gossip_sim.events` plays them).

Loss, retransmission, crashes, churn, link failures and stragglers.

Examples
--------
>>> from gossip_sim.faults.plan import FaultPlan
>>> FaultPlan().any
False
"""
