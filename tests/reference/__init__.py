"""Plain per-agent implementations written from the papers' pseudo-code.

They loop over agents and neighbours the way the pseudo-code reads, keep every agent's own
copies, and share nothing with the batched engine except the compressor (called one agent at a
time, with that agent's own random stream). The engine must match them to floating-point
tolerance on small graphs.
"""
