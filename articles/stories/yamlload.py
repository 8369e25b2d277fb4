"""
Loading a story's YAML front matter safely, with what validation and export need.

PyYAML's safe loader, plus: the line of every key (for messages that name
it), no aliases, anchors, merge keys or exotic tags, no duplicate keys, a
limit on the number of values counted before they are built, dates Python
cannot hold kept for the validator to name, and the source text of strings
the exporter would write differently (Verbatim).
"""

import datetime as dt

import yaml

from .data import DEFAULT_LIMITS, FixtureError, Limits
from .quoting import double_quoted, looks_like_a_date, needs_escape, plain_text

try:  # The C parser is about 15 times faster on a typical story.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader


class MarkedMapping(dict):
    """A mapping that remembers the line of each key and the style of scalar values."""

    line = None

    def __init__(self):
        super().__init__()
        self.lines = {}
        self.styles = {}


class MarkedSequence(list):
    """A list that remembers the line of each item."""

    line = None

    def __init__(self):
        super().__init__()
        self.lines = []


_STR_TAG = "tag:yaml.org,2002:str"
_MAPPING_TAG = "tag:yaml.org,2002:map"
_SEQUENCE_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# The format's date fields (a story's and a related item's): stored as dates, not as text.
_DATE_FIELDS = frozenset({"publishedDateTime"})
# The tags of short plain scalars seen (keys, numbers, booleans), per process; bounded.
_plain_tags = {}
_REMEMBERED, _REMEMBERED_LENGTH = 20_000, 40


class Verbatim(str):
    """A double-quoted string with its source text, where the exporter would write it otherwise.

    YAML has many ways to write one string ("caf\\u00e9", "caf\\xe9", "café");
    the exporter writes one of them. The parser keeps the file's own text of a
    string it would not reproduce, so that an export writes the same bytes.
    """

    source = ""


class _Kept:
    """A value that is not a string, with the text the file wrote it in where the exporter would write another.

    YAML reads 1.10 as 1.1, 0123 as 83, yes as true, ~ as null and a date
    with milliseconds or an offset as one instant: the file's own text is kept
    (unwrapped by _take_verbatim) so that an export writes the same bytes.
    """

    __slots__ = ("value", "source")

    def __init__(self, value, source):
        self.value, self.source = value, source


class _TooManyNodes(Exception):
    def __init__(self, mark):
        self.mark = mark


class ImpossibleDate:
    """A timestamp YAML reads but Python cannot hold (year 0); the reader names its field."""

    def __init__(self, text, reason):
        self.text, self.reason = text, reason


class _FixtureLoader(_SafeLoader):
    """Safe loading, plus line numbers, no aliases and no duplicate keys.

    Aliases are refused outright: stories never need them, and refusing the
    first one stops an alias bomb before it costs memory or time.
    """

    def __init__(self, source, *, max_nodes):
        super().__init__(source)
        self.source = source
        self.max_nodes = max_nodes
        self.nodes = 0
        # How many values were kept with their source text (Verbatim, _Kept) and left to unwrap.
        self.verbatim = 0

    def resolve(self, kind, value, implicit):
        """The implicit tag of a node, as the safe resolver gives it, with the plain scalars' remembered.

        The C parser asks this of every node; most plain scalars of a story
        are its keys and small numbers, the same in every file.
        """
        if kind is not yaml.ScalarNode:
            return _MAPPING_TAG if kind is yaml.MappingNode else _SEQUENCE_TAG
        if not implicit[0]:
            return _STR_TAG  # quoted: a string (nothing is resolved by its path)
        tag = _plain_tags.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            # Not a timestamp: each file has its own (publishedDateTime), and remembering
            # them grew the table with the number of files imported.
            if tag != _TIMESTAMP_TAG and len(value) <= _REMEMBERED_LENGTH and len(_plain_tags) < _REMEMBERED:
                _plain_tags[value] = tag
        return tag

    def child(self, node, *, date_field=False):
        """Construct a child node; strings, most of a story, skip the generic machinery.

        `date_field`: the value of a key whose column keeps a date (_DATE_FIELDS).
        """
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _TooManyNodes(node.start_mark)
        if node.tag == _STR_TAG and node.__class__ is yaml.ScalarNode:
            value = node.value
            if node.style != '"' or (
                self.source.find("\\", node.start_mark.index, node.end_mark.index) < 0
                and not needs_escape(value)
                and not looks_like_a_date(value)
            ):
                return value
            return self.double_quoted(node)
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) and anchors are not allowed in fixtures", node.start_mark
            )
        value = self.construct_object(node, deep=True)
        kind = value.__class__
        if node.__class__ is not yaml.ScalarNode or kind is str or kind is ImpossibleDate:
            return value
        # A date is kept however it is written, but in a date field: an unknown key's goes through
        # JSON as text and would come back quoted.
        # A date field's column holds a date and a time: a day alone is kept as the file wrote it.
        if (
            (kind is dt.datetime or kind is dt.date)
            and (not date_field or kind is dt.date)
            or (plain_text(value) != node.value)
        ):
            # Only a plain scalar on one line that YAML typed from its text alone: a tagged or
            # quoted one's text (!!float "1", !!null "...") is not what the file wrote.
            written = self.source[node.start_mark.index : node.end_mark.index]
            if not node.style and written == node.value and "\n" not in written:
                self.verbatim += 1
                return _Kept(value, written)
        return value

    def double_quoted(self, node):
        """The value of a double-quoted string with an escape or a character the exporter escapes."""
        source = self.source[node.start_mark.index : node.end_mark.index]
        # A string folded over several lines is written again on one line: its
        # line breaks depend on the indentation, which an export may change.
        # A date in quotes is kept so: the exporter writes a date field's value plain.
        if "\n" in source or (source == double_quoted(node.value) and not looks_like_a_date(node.value)):
            return node.value
        self.verbatim += 1
        value = Verbatim(node.value)
        value.source = source
        return value

    def construct_fixture_mapping(self, node):
        mapping = MarkedMapping()
        mapping.line = node.start_mark.line + 1
        lines, styles = mapping.lines, mapping.styles
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not allowed in fixtures", key_node.start_mark
                )
            key = self.child(key_node)
            if isinstance(key, Verbatim):
                key = str(key)
            elif isinstance(key, _Kept):
                key = key.value
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"keys must be strings, not {key!r}", key_node.start_mark
                )
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {lines[key]} of the front matter)",
                    key_node.start_mark,
                )
            mapping[key] = self.child(value_node, date_field=key in _DATE_FIELDS)
            lines[key] = key_node.start_mark.line + 1
            if value_node.__class__ is yaml.ScalarNode:
                styles[key] = value_node.style
        return mapping

    def construct_fixture_sequence(self, node):
        sequence = MarkedSequence()
        sequence.line = node.start_mark.line + 1
        for item in node.value:
            sequence.append(self.child(item))
            sequence.lines.append(item.start_mark.line + 1)
        return sequence

    def construct_fixture_timestamp(self, node):
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            return ImpossibleDate(node.value, str(exc))


if _FixtureLoader.yaml_path_resolvers:  # pragma: no cover - resolve() gives quoted scalars the string tag
    raise ImportError("the fixture loader's resolve() does not follow path resolvers")
_FixtureLoader.add_constructor("tag:yaml.org,2002:map", _FixtureLoader.construct_fixture_mapping)
_FixtureLoader.add_constructor("tag:yaml.org,2002:seq", _FixtureLoader.construct_fixture_sequence)
_FixtureLoader.add_constructor("tag:yaml.org,2002:timestamp", _FixtureLoader.construct_fixture_timestamp)


def _refuse_tag(loader, node):
    raise yaml.constructor.ConstructorError(None, None, f"tag not allowed: {node.tag}", node.start_mark)


# Sets, ordered maps, pairs and binary are safe YAML but never story data.
for _tag in ("set", "omap", "pairs", "binary"):
    _FixtureLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
del _tag


# Below this size a front matter holds too few values to be slow to build, so
# it is not counted in a first pass (see _count_nodes).
_SMALL_FRONT = 64 * 1024
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)


def _too_many_values(limit, *, filename, line):
    return FixtureError(
        f"more than {limit:,} values in the front matter, the limit for one story", filename=filename, line=line
    )


def _count_nodes(front, *, filename, first_line, limit):
    """Refuse a front matter of more than `limit` values before building any of them.

    Reading events costs a fraction of building nodes, and stops at the limit.
    """
    loader = _SafeLoader(front)
    count = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > limit:
                    raise _too_many_values(limit, filename=filename, line=event.start_mark.line + first_line)
    except yaml.YAMLError:
        return  # reported with its line by the real load
    finally:
        loader.dispose()


def load_front_matter(front: str, *, filename: str, first_line: int, limits: Limits = DEFAULT_LIMITS):
    """The front matter's document (a MarkedMapping when well formed) and its verbatim strings.

    The verbatim strings are [(path, value, source text)]; the document holds
    them as plain strings. `first_line` is the file's line number of the front
    matter's first line, so that errors name lines of the file.
    """
    if len(front) > _SMALL_FRONT:
        _count_nodes(front, filename=filename, first_line=first_line, limit=limits.max_yaml_nodes)
    loader = _FixtureLoader(front, max_nodes=limits.max_yaml_nodes)
    try:
        document = loader.get_single_data()
        return document, (_take_verbatim(document) if loader.verbatim else [])
    except _TooManyNodes as exc:
        raise _too_many_values(limits.max_yaml_nodes, filename=filename, line=exc.mark.line + first_line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else None
        problem = (exc.problem or exc.context or "malformed YAML").replace(
            "could not determine a constructor for the tag", "tag not allowed:"
        )
        if exc.context and exc.problem and exc.context_mark and exc.context_mark.line != mark.line:
            problem += f" ({exc.context}, line {exc.context_mark.line + first_line})"
        raise FixtureError(f"invalid YAML: {problem}", filename=filename, line=line) from None
    except yaml.YAMLError as exc:
        raise FixtureError(f"invalid YAML: {exc}", filename=filename) from None
    except RecursionError:
        raise FixtureError("invalid YAML: nested too deeply", filename=filename) from None
    finally:
        loader.dispose()


def _take_verbatim(document):
    """Turn the Verbatim strings of a loaded document into plain ones; returns their record."""
    found = []
    pending = [((), document)]
    while pending:
        path, container = pending.pop()
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in list(items):
            if isinstance(value, Verbatim):
                found.append(((*path, key), str(value), value.source))
                container[key] = str(value)
            elif isinstance(value, _Kept):
                found.append(((*path, key), value.value, value.source))
                container[key] = value.value
            elif isinstance(value, (dict, list)):
                pending.append(((*path, key), value))
    return found
