"""Settings of the worker processes the tests start: the product's, with loopback allowed for the
tests' local image and link servers (never from the environment in production)."""

from newsroom.settings import *  # noqa: F403

NEWSROOM_IMAGES = {**NEWSROOM_IMAGES, "ALLOW_LOOPBACK": True}  # noqa: F405
NEWSROOM_LINKS = {"ALLOW_LOOPBACK": True, "HOST_DELAY": 0, "TIMEOUT": 2}
