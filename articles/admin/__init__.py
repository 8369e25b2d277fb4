"""The editorial admin: the stories (stories.py, with its filters, inlines and Import stories page),
topics, providers, intake rules (intake.py), and other apps' admins made strict (others.py).

Django's autodiscovery imports this package; importing the modules registers their admins.
"""

from . import deletions, intake, jobs, others, providers, stories, topics, webhooks  # noqa: F401
