"""The event-driven engine: every agent computes with what reached it, when it reached it.

Loss, deadlines, crashes, churn, link failures, stragglers and asynchrony are played here;
:mod:`gossip_sim.engine` is the batched fast path for runs where nothing can go wrong.
"""
