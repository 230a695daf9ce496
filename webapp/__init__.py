"""The web app: demo shop page, consumer chat widget, history API (agent and trainer consoles later)."""
