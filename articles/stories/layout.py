"""
How a file wrote its story, as kept in the `layout` columns of the rows an import writes.

Key order, line endings, quoting styles, escapes and the file's own logo list
are nothing a reader sees; export.story_from_article() reads them back so
that exporting an imported file writes it again byte for byte.
"""

# An image's keys as the export writes them when its layout records none.
IMAGE_KEYS = ("url", "width", "height", "isCached")


def story_layout(story):
    layout = {"keys": list(story.keys), "crlf": story.crlf}
    if story.bom:
        layout["bom"] = True
    if story.styles:
        layout["styles"] = story.styles
    if story.verbatim:
        layout["verbatim"] = [[list(path), value, source] for path, value, source in story.verbatim]
    if story.provider:
        layout["provider"] = _provider_layout(story.provider)
    if story.topics:
        # One topic serves every spelling of its name ("AI", "ai"): the file keeps its own.
        layout["topics"] = list(story.topics)
    return layout


def related_layout(item):
    layout = {"keys": list(item.keys)}
    if item.provider:
        layout["provider"] = _provider_layout(item.provider)
    return layout


def image_layout(image):
    # The usual keys in the usual order need no record: the export writes them so.
    return {} if image.keys == IMAGE_KEYS else {"keys": list(image.keys)}


def _provider_layout(provider):
    layout = {"keys": list(provider.keys)}
    if provider.extra:
        layout["extra"] = provider.extra
    if provider.logos:
        # The file's own logo list: the outlet keeps the latest one for pages,
        # the story keeps what its file said for the export.
        layout["logos"] = provider_logos(provider)
    return layout


def provider_logos(provider_data):
    """A credit's logos as dicts, as the outlet and the story's layout keep them; a size left out stays out."""
    logos = []
    for logo in provider_data.logos:
        known = {"url": logo.url, "width": logo.width, "height": logo.height}
        logos.append({key: value for key, value in known.items() if value is not None} | logo.extra)
    return logos
