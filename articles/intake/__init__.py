"""Intake rules: editors' standing decisions on incoming stories (docs/intake-rules.md).

patterns.py is the bounded title/excerpt matcher (pure), match.py what a rule
matches (pure, plus its ORM query), at_import.py what rules do to an import's
plan, on_demand.py what applying a rule to stored stories writes.
"""
