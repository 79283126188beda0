"""``python -m gossip_sim`` runs the ``gossip-sim`` command."""

from gossip_sim.cli import main

raise SystemExit(main())
