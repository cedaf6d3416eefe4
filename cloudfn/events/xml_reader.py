"""A push body's ``<xml>`` read into a dict by expat, refusing what a WeChat push never holds.

- Document type declarations are refused by the parser itself (expat's doctype handler
  raises before any declaration inside it is read), so no entity can be declared, expanded or
  fetched, whatever the body's encoding (expat reads the BOM and the encoding declaration;
  UTF-8, UTF-16 LE/BE, ISO-8859-1, US-ASCII and Python's single-byte codecs).
- The tree is built with an explicit stack: nesting deeper than ``MAX_DEPTH`` levels or more
  than ``MAX_ITEMS`` elements is refused as soon as it is met, never a ``RecursionError``;
  repeated elements are appended to one list (linear).

Leaves are text (numbers for the typed fields of ``tables``); attributes are ignored.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set
from xml.parsers import expat

from .config import MAX_DEPTH, MAX_ITEMS
from .errors import PARSE_ERROR, push_error
from .tables import FLOAT_FIELDS, INT_FIELDS, LIST_FIELDS


def _number(tag: str, text: str) -> Any:
    try:
        if tag in INT_FIELDS:
            return int(text.strip())
        if tag in FLOAT_FIELDS:
            number = float(text.strip())
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:  # not a number, or an integer of more than 4,300 digits: keep the text
        pass
    return text


class _Frame:
    """One open element: its text, or its children by tag."""

    __slots__ = ("children", "repeated", "tag", "text")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.text: List[str] = []
        self.children: Optional[Dict[str, Any]] = None
        self.repeated: Set[str] = set()

    def add(self, tag: str, value: Any) -> None:
        if self.children is None:
            self.children = {}
        if tag in LIST_FIELDS:
            self.children.setdefault(tag, []).append(value)
        elif tag in self.repeated:
            self.children[tag].append(value)
        elif tag in self.children:  # an unknown repeated element: a list from its second occurrence
            self.children[tag] = [self.children[tag], value]
            self.repeated.add(tag)
        else:
            self.children[tag] = value

    def value(self) -> Any:
        if self.children is not None:
            return self.children
        return _number(self.tag, "".join(self.text))


class _Reader:
    """expat callbacks building the dict."""

    def __init__(self, max_depth: int, max_items: int) -> None:
        self.max_depth, self.left = max_depth, max_items
        self.stack: List[_Frame] = []
        self.root: Any = None

    def start(self, tag: str, attrs: Any) -> None:
        if len(self.stack) >= self.max_depth:
            raise push_error(PARSE_ERROR, f"XML nested deeper than {self.max_depth} levels")
        self.left -= 1
        if self.left < 0:
            raise push_error(PARSE_ERROR, "XML holds too many elements for a push")
        self.stack.append(_Frame(tag))

    def end(self, tag: str) -> None:
        frame = self.stack.pop()
        if self.stack:
            self.stack[-1].add(tag, frame.value())
        else:
            self.root = frame.value()

    def text(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text.append(data)


def _refuse_doctype(*_: Any) -> None:
    raise push_error(PARSE_ERROR, "XML with a document type declaration (DOCTYPE) is not a WeChat push")


def _refuse_entity(*_: Any) -> None:
    raise push_error(PARSE_ERROR, "XML with an entity declaration or external entity is not a WeChat push")


def _refuse_external(*_: Any) -> int:
    _refuse_entity()
    return 0  # never reached: the handler above raises


def read_xml(body: bytes, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> Dict[str, Any]:
    """The message dict of an ``<xml>`` body; ``CloudSDKError`` (-40002) for anything else."""
    reader = _Reader(max_depth, max_items)
    parser = expat.ParserCreate()  # encoding from the BOM / declaration, as XML specifies
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise push_error(PARSE_ERROR, f"body is not well-formed XML ({expat.ErrorString(exc.code)}, line {exc.lineno})") from None
    except (ValueError, LookupError) as exc:  # an encoding expat or Python cannot decode
        raise push_error(PARSE_ERROR, f"XML body cannot be decoded ({exc.__class__.__name__})") from None
    return reader.root if isinstance(reader.root, dict) else {}
