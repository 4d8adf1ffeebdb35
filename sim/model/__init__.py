"""The agent-based model: the day's order, its agents and rules, levers, space and observation.

Nothing here knows about Hydra, files or processes: a model is built from typed parameters,
levers and a calendar, and returns arrays.
"""
