"""Figures from recorded events: one fact row per case (facts), the figures over them (queries),
numbered bulletins (bulletins) and the unit assessment (assessment)."""
