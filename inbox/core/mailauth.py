"""Did our own receiving server vouch for an e-mail's From address? Authentication-Results (RFC 8601).

The receiving server checks DKIM, SPF and DMARC and writes what it found into an
Authentication-Results header that starts with its authserv-id. Anyone can put such a header into a
mail before sending it, so only headers with our server's authserv-id ([mail] auth_serv_id) count.
The server itself must remove incoming headers that claim its id (RFC 8601 section 5), or an
attacker could write one in its name.

A pass counts only when its domain is aligned with the From address's domain, as DMARC does it
(RFC 7489 3.1, relaxed): the same organizational domain, found with the Public Suffix List. So a
signature of mail.stadt.de vouches for presse@stadt.de, one of anything.de does not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from email.message import Message

# Strongest first: the label the editor sees names the first one that passed.
METHODS = ("dkim", "dmarc", "spf")
TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(=)|([^\s="]+))')


@dataclass(frozen=True)
class Result:
    method: str
    result: str
    props: dict[str, str] = field(default_factory=dict)


def _segments(value: str) -> list[str] | None:
    """The header value split at ';' outside quoted strings and comments, comments dropped; None if malformed.

    Comments may hold anything, ';' and '=' included, so they must go before the value is split.
    """
    segments, current, depth, quoted, escaped = [], [], 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if not depth:
                current.append(char)
        elif char == "\\" and (quoted or depth):
            escaped = True
            if not depth:
                current.append(char)
        elif quoted:
            current.append(char)
            quoted = char != '"'
        elif depth:
            depth += (char == "(") - (char == ")")
            if not depth:
                current.append(" ")
        elif char == "(":
            depth = 1
        elif char == '"':
            quoted = True
            current.append(char)
        elif char == ";":
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted or depth or escaped:
        return None
    segments.append("".join(current))
    return segments


def _tokens(segment: str) -> list[str] | None:
    """Words, '=' and quoted strings (unquoted); None if something is left that is none of them."""
    tokens, position, segment = [], 0, segment.rstrip()
    while position < len(segment):
        match = TOKEN.match(segment, position)
        if match is None or match.end() == position:
            return None
        quoted, equals, word = match.groups()
        tokens.append(re.sub(r"\\(.)", r"\1", quoted[1:-1]) if quoted else equals or word)
        position = match.end()
    return tokens


def _result(tokens: list[str]) -> Result | None:
    """method[/version]=result, then reason=... and ptype.property=value pairs."""
    if len(tokens) < 3 or tokens[1] != "=" or len(tokens) % 3:
        return None
    props: dict[str, str] = {}
    for index in range(3, len(tokens), 3):
        key, equals, value = tokens[index:index + 3]
        if equals != "=" or key == "=" or value == "=":
            return None
        props.setdefault(key.lower(), value)
    return Result(tokens[0].split("/")[0].lower(), tokens[2].lower(), props)


def parse(value: str) -> tuple[str, list[Result]] | None:
    """(authserv-id, results) of one header value; None when it cannot be read.

    A single result that cannot be read is left out: it can only be missing a pass, never add one.
    """
    segments = _segments(re.sub(r"\r?\n", "", value))
    head = _tokens(segments[0]) if segments else None
    if not head or head[0] == "=" or len(head) > 2:
        return None
    results = []
    for segment in segments[1:]:
        tokens = _tokens(segment)
        if tokens and tokens != ["none"]:
            result = _result(tokens)
            if result is not None:
                results.append(result)
    return head[0].lower(), results


@functools.cache
def _public_suffixes():
    from publicsuffixlist import PublicSuffixList  # the bundled list, parsed once per process when first needed

    return PublicSuffixList()


def domain_of(value: str) -> str:
    """'Presse@Stadt.DE', '@stadt.de', 'stadt.de.' -> 'stadt.de' (international names as A-labels)."""
    domain = value.rpartition("@")[2].strip().strip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def aligned(domain: str, other: str) -> bool:
    """The same organizational domain (DMARC's relaxed alignment); a public suffix aligns with nothing."""
    if not domain or not other:
        return False
    organization = _public_suffixes().privatesuffix(domain)
    return organization is not None and organization == _public_suffixes().privatesuffix(other)


def _vouches(result: Result, domain: str) -> bool:
    if result.result != "pass":
        return False
    if result.method == "dkim":
        return aligned(domain_of(result.props.get("header.d") or result.props.get("header.i", "")), domain)
    if result.method == "spf":
        return aligned(domain_of(result.props.get("smtp.mailfrom", "")), domain)
    if result.method == "dmarc":  # DMARC checked the alignment itself; it must have been about this From
        return domain_of(result.props.get("header.from", "")) == domain
    return False


def verified_by(msg: Message, serv_ids: set[str], sender: str) -> str | None:
    """'dkim', 'dmarc' or 'spf' when a header of our own server vouches for the sender's domain, else None."""
    domain = domain_of(sender)
    if not domain or not serv_ids:
        return None
    passed = set()
    for name, value in msg.raw_items():
        if name.lower() != "authentication-results":
            continue
        parsed = parse(str(value))
        if parsed is None or parsed[0] not in serv_ids:
            continue  # another server's, or one an earlier hop or the sender wrote: proves nothing
        passed.update(r.method for r in parsed[1] if _vouches(r, domain))
    return next((method for method in METHODS if method in passed), None)


def serv_ids(setting) -> set[str]:
    """The configured authserv-id(s): one string (several separated by commas) or a list."""
    values = setting.split(",") if isinstance(setting, str) else list(setting or [])
    return {str(v).strip().lower() for v in values if str(v).strip()}
