"""Integration plans: the per-API data-flow graph (which response field feeds which input) and the planner."""
