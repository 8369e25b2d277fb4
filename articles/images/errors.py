class ImageError(Exception):
    """An image refused or out of reach; the message says why, for an editor.

    `code` names the kind of problem (as ValidationError codes do), so that
    callers and tests need not parse messages.
    """

    code = "invalid_image"

    def __init__(self, message, *, code=None):
        super().__init__(message)
        if code:
            self.code = code


class FetchError(ImageError):
    """The server could not be reached or did not answer with an image."""

    code = "fetch_failed"


class UnsafeURL(FetchError):
    """A URL refused before any connection: scheme, credentials or address."""

    code = "unsafe_url"


class TooLarge(FetchError):
    """More bytes than the limit: announced by the server or counted while reading."""

    code = "too_large"


class StorageFault(Exception):
    """Storage refused a write: a fault of the run, not of one image."""
