"""
Revisions: every change to a story, from any source, kept whole so it can be compared and restored.

- content.py: a story's content as plain JSON data (what a revision keeps), and back.
- diff.py: what changed between two contents, field by field, for people.
- merge.py: the three-way merge of an upstream file with an editor's changes.
- record.py: writing revisions (in bulk for imports), restoring and moderating them.
"""
