"""The event-driven engine: every agent computes with the messages that reached it, when they
reached it (loss, deadlines, crashes, churn, link failures, stragglers, asynchrony).
"""
