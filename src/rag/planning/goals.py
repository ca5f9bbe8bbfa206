"""Choose the call for each action asked: right method, named resource, and inputs the plan can fill.

For one action among the ranker's candidates, a call is likelier when its method can do the verb, when its
resource is the one named, and when its identifiers are ones the plan already has (typed by the user or
returned by an earlier step): a user who says "finalize it" after creating an invoice means the call
that takes that invoice, not one needing an id nobody gave.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.planning.actions import VERBS, method_fits, methods_for
from src.rag.planning.given import GivenValue, id_prefix_fits
from src.rag.planning.graph import DataFlowGraph, FlowInput
from src.rag.planning.inputs import from_question
from src.rag.planning.names import ATTRIBUTES, is_id_like, resource_of_path
from src.rag.textutil import path_resources, singular, split_identifier, tokenize

RESOURCE_CANDIDATES = 5
CONSUMER_CANDIDATES = 5

# Words that point back at what the previous step worked on ("finalize it", "evict them").
_BACK = re.compile(r"\b(it|them|its|their|theirs)\b", re.IGNORECASE)
_HEADING = re.compile(r"^\s*([^:]{3,120}):\s+\S")
# Verbs a path segment spells differently from the user ("email the invoice" is `/invoices/{id}/send`).
_SAME_ACTION = {"email": "send", "mail": "send", "text": "send", "notify": "send", "lift": "delete",
                "remove": "delete", "trigger": "run", "find": "search", "look": "search"}
# A field name typed into the question: dotted or snake_case words (`invoice_settings.default_payment_method`).
FIELD_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:[._][a-z]+)*\b|\b[a-z]+(?:_[a-z]+){2,}\b")
_QUOTED = re.compile(r"'[^'\n]{1,80}'|\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”")
# How a path segment turns a verb into a noun ("evict" → `eviction`).
_VERB_ENDINGS = {"ion", "ions", "ment", "ments", "al", "ing"}
# Verbs that ask for what exists, found by listing or searching a collection rather than reading one item.
_FINDING = {"find", "search", "list", "look", "locate"}
# Verbs that change something that exists: the call that makes a new one cannot do them.
_MODIFYING = {"update", "change", "modify", "edit", "replace", "rename", "adjust"}
# File types in a question name the file resource ("upload the jsonl", "a new PDF").
_FILE_WORDS = {"pdf", "jsonl", "csv", "json", "png", "jpg", "jpeg", "txt", "mp3", "wav", "zip", "file"}


def topic_words(question: str) -> set[str]:
    """Return the words of a leading summary ("drain node worker-3: ..."): context every action shares."""
    match = _HEADING.match(" ".join(question.split()))
    return set(tokenize(match.group(1))) if match else set()


def with_referent(action: str, previous: str, graph: DataFlowGraph | None = None) -> str:
    """Replace a pronoun with the resources of the previous goal's path ("finalize it" → "finalize invoice").

    With the graph, an action naming no resource at all ("poll until done") is about the previous one too.
    """
    if not previous:
        return action
    nouns = [singular(w) for w in path_resources(previous.split(" ", 1)[1]) if not w.isdigit()]
    noun = " ".join(dict.fromkeys(nouns))
    if noun and graph is not None and not _BACK.search(action) and not names_any(action, graph):
        return f"{action} {noun}"
    return _BACK.sub(noun, action, count=1) if noun else action


def action_verb(action: str) -> str:
    """Return the action's verb: the first of its first three words that is one ("" when none is)."""
    return next((w for w in re.findall(r"[a-z]+", action.lower())[:3] if w in VERBS), "")


def refers_back(action: str, graph: DataFlowGraph) -> bool:
    """Tell whether an action works on what the previous step made: a pronoun, or no resource of the API named."""
    return bool(_BACK.search(action)) or not names_any(action, graph)


def names_any(action: str, graph: DataFlowGraph) -> bool:
    """Tell whether the action names a resource some call of the graph's API works on."""
    words = _action_words(action) - {action_verb(action)}
    return any(set(call_resource(k)[-1:]) & words for k in graph.operations)


def _action_words(action: str) -> set[str]:
    # "a user 'app'", "(invoice_settings.default_payment_method)": a quoted value or a field names no resource
    words = set(tokenize(FIELD_NAME.sub(" ", _QUOTED.sub(" ", action))))
    return words | {"file"} if action_verb(action) == "upload" and words & _FILE_WORDS else words


def call_resource(key: str) -> tuple[str, ...]:
    """Return the resource a call works on; a verb segment after an id (`/invoices/{id}/send`) works on its owner.

    A segment that is a verb plus nouns (`VerificationCheck`) keeps its nouns.
    """
    path = key.split(" ", 1)[1]
    segments = [s for s in path.split("/") if s]
    verb = segments[-1] if len(segments) > 2 and segments[-2].startswith("{") and "{" not in segments[-1] else ""
    parts = split_identifier(re.sub(r"\.[a-z]+$", "", verb))
    if parts and set(parts) & VERBS:
        nouns = tuple(singular(w) for w in parts if w not in VERBS)
        return nouns or resource_of_path("/".join(segments[:-1]))
    return resource_of_path(path)


def verb_matches(action: str, key: str) -> bool:
    """Tell whether a later literal segment of the call's path spells the action's verb.

    `/invoices/{id}/send` for "email it", `/pods/{name}/eviction` for "evict them"; the path's first resource
    (`/uploads`) names a thing, not an action.
    """
    verb = action_verb(action)
    verb = _SAME_ACTION.get(verb, verb)
    literal = [s for s in key.split(" ", 1)[1].split("/") if s and "{" not in s]
    if len(verb) < 3 or len(literal) < 2 or "{" not in key:
        return False
    last = split_identifier(re.sub(r"\.[a-z]+$", "", literal[-1]))
    return any(singular(w) == verb or (w.startswith(verb) and w[len(verb):] in _VERB_ENDINGS) for w in last)


def consumer_candidates(action: str, graph: DataFlowGraph, previous: str,
                        limit: int = CONSUMER_CANDIDATES) -> list[str]:
    """Return calls that take what the previous goal returns and can do the action's verb.

    "attach it to droplet 42" after making a volume means a call on that volume, which a short phrase
    rarely ranks: the graph knows which calls consume the volume's id.
    """
    if not previous or not refers_back(action, graph):
        return []
    fed = [k for k in graph.operations if k != previous and fed_by(graph, k, [previous])
           and (method_fits(action, k.split(" ", 1)[0]) or verb_matches(action, k))]
    return sorted(fed, key=lambda k: (not verb_matches(action, k), not names_resource(action, k),
                                      k.count("{"), len(k)))[:limit]


def resource_candidates(action: str, graph: DataFlowGraph, limit: int = RESOURCE_CANDIDATES) -> list[str]:
    """Return calls on a resource the action names whose method can do its verb, fewest path variables first.

    The ranker's list for a short phrase can miss the plain call ("start a thread" ranks reads of one
    thread first); the path itself says which calls work on the thread collection.
    """
    named = [k for k in graph.operations if names_resource(action, k) and method_fits(action, k.split(" ", 1)[0])]
    return sorted(named, key=lambda k: (k.count("{"), len(k)))[:limit]


def names_resource(action: str, key: str, context: set[str] = frozenset()) -> bool:
    """Tell whether the action (or the question's leading summary) names the resource the call works on."""
    words = (_action_words(action) - {action_verb(action)}) | set(context)
    # a verb segment works on its owner only for the verb asked: `/disputes/{id}/close` does not "attach"
    last = call_resource(key) if verb_matches(action, key) else resource_of_path(key.split(" ", 1)[1])
    return bool(last) and (last[-1] in words or "".join(last) in words)


def names_owner(action: str, key: str) -> bool:
    """Tell whether the action names a resource the call's path sits under, in full or abbreviated ("db" → databases)."""
    words = _action_words(action) - {action_verb(action)}
    literal = [s for s in key.split(" ", 1)[1].split("/") if s and "{" not in s]
    named = set(resource_of_path(key.split(" ", 1)[1]))
    owners = {singular(w) for seg in literal[:-1] for w in split_identifier(seg)} - named
    return any(w == o or (len(w) > 1 and id_prefix_fits(f"{w}_", (o,))) for w in words for o in owners)


def open_inputs(graph: DataFlowGraph, key: str, values: Sequence[GivenValue], earlier: Sequence[str]) -> int:
    """Count the identifiers a call needs that neither the question nor an earlier goal supplies.

    An identifier an earlier goal takes too (the guild, the account) is the same one the user gives once.
    """
    node = graph.operations.get(key)
    shared = {i.name for k in earlier if k in graph.operations for i in graph.operations[k].inputs}
    count = 0
    for inp in node.inputs if node else ():
        if not _names_id(inp.name) or inp.name in shared:
            continue  # a name, an amount or a plain noun (``namespace``) can be typed; an id must come from somewhere
        if from_question(inp, values) is None and not _fed(graph, key, inp, earlier):
            count += 1
    return count


def _names_id(name: str) -> bool:
    """Tell whether a field's own name ends in an identifier word (``file_id``, ``ServiceSid``), not a bare noun."""
    parts = split_identifier(name)
    return bool(parts) and is_id_like(ATTRIBUTES.get(parts[-1], ""))


def takes_given(graph: DataFlowGraph, key: str, values: Sequence[GivenValue], named: set[str] | None = None) -> bool:
    """Tell whether a call takes an identifier typed for it ("attach it to dispute dp_123", "droplet 42").

    The id's prefix or the noun just before it must name the call's resource; a name or an address may be
    a field of any call, so only typed identifiers and numbered resources count. With `named`, only inputs
    of a resource among those words count.
    """
    node = graph.operations.get(key)
    return any((_names_id(i.name) or i.location == "path") and i.resource and any(_typed_for(v, i.resource) for v in values)
               and (named is None or i.resource[-1] in named) for i in (node.inputs if node else ()))


def _typed_for(value: GivenValue, resource: tuple[str, ...]) -> bool:
    if value.kind == "id" and id_prefix_fits(str(value.value), resource):
        return True
    return value.kind in {"id", "number"} and value.before[-1:] == resource[-1:]


def fed_by(graph: DataFlowGraph, key: str, earlier: Sequence[str]) -> bool:
    """Tell whether an earlier goal produces one of this operation's required inputs."""
    node = graph.operations.get(key)
    return any(_fed(graph, key, inp, earlier) for inp in (node.inputs if node else ()))


def _fed(graph: DataFlowGraph, key: str, inp: FlowInput, earlier: Sequence[str]) -> bool:
    """Tell whether an earlier goal produces one input.

    An earlier call whose response the spec leaves undescribed (many Postman collections, specs split over
    files) feeds the path identifier of the resource it creates or lists: `POST /transfers` → `{transferId}`.
    """
    if any(link.producer in earlier for link in graph.producers(key, inp.name)):
        return True
    return inp.location == "path" and is_id_like(inp.attribute) and any(
        k in graph.operations and not graph.operations[k].outputs and k.split(" ", 1)[0] in {"POST", "GET"}
        and inp.resource[-1:] == resource_of_path(k.split(" ", 1)[1])[-1:] for k in earlier)


def pick_goal(action: str, candidates: Sequence[str], graph: DataFlowGraph, values: Sequence[GivenValue],
              earlier: Sequence[str], context: set[str], fields: frozenset[str] = frozenset(),
              typed: Sequence[GivenValue] = ()) -> str:
    """Return the candidate that best does the action given the goals before it.

    In order: a method that can do the verb (or a path segment spelling it); fewest identifiers nobody
    supplies, with naming the resource (in the action as the user wrote it, not the pronoun's stand-in, or
    by a request field in `fields`) or taking what the previous goal returned when the action refers back,
    a path spelling the verb, and taking an id typed for it each outweighing one of them (a resource the
    path sits under named, half of one); the verb's own kind of call (a DELETE to remove, a collection to
    find); a path under the previous goal's when the action names nothing else ("poll until done"); fed by
    an earlier goal; taking an id typed anywhere in the question (`typed`); ranker order. A changing verb
    ("update the order") is never done by the call that creates one.
    """
    rank = {k: n for n, k in enumerate(candidates)}
    back = earlier[-1:] if earlier and refers_back(action, graph) else []
    objectless = bool(back) and not names_any(action, graph)
    changes = action_verb(action) in _MODIFYING

    def score(k: str) -> tuple:
        method = k.split(" ", 1)[0]
        spelled = verb_matches(action, k)
        named = names_resource(action, k, context) or bool(back and fed_by(graph, k, back)) or k in fields
        # an id typed in the action, or elsewhere for the very resource the action names ("the dispute")
        given = takes_given(graph, k, [v for v in values if v.text in action]) or \
            takes_given(graph, k, values, _action_words(action))
        fits = (method_fits(action, method) or (spelled and method != "GET")) and not (changes and creates(k))
        return (not fits,
                open_inputs(graph, k, values, earlier) - named - 1.5 * spelled - given
                - 0.5 * names_owner(action, k),
                not _verbs_kind(action, k), not (objectless and _under(k, back[0])), not fed_by(graph, k, earlier),
                not takes_given(graph, k, typed), rank[k])
    return min(candidates, key=score)


def _last_segment(path: str) -> str:
    return re.sub(r"\.[a-z]+$", "", path.rstrip("/").rsplit("/", 1)[-1])


def creates(key: str) -> bool:
    """Tell whether a call makes a new item: a POST on a collection (``POST /orders``, ``…/{namespace}/pods``).

    By REST convention the collection's POST creates; a last segment that is a verb (``/cancel``) acts instead.
    """
    method, path = key.split(" ", 1)
    last = _last_segment(path)
    return method == "POST" and bool(last) and "{" not in last and not set(split_identifier(last)) & VERBS


def _under(key: str, parent: str) -> bool:
    """Tell whether a call's path extends another's (`/batches/{batch_id}` under `/batches`): the same thing, further on."""
    path, base = key.split(" ", 1)[1], parent.split(" ", 1)[1].rstrip("/")
    return path != base and path.startswith(base + "/")


def _verbs_kind(action: str, key: str) -> bool:
    """Tell whether a call is the verb's own kind: a DELETE for a removal verb, a collection for a finding one."""
    verb = action_verb(action)
    method, path = key.split(" ", 1)
    if methods_for(verb) == {"DELETE", "POST"}:
        return method == "DELETE"
    if verb in _FINDING:
        return not path.rstrip("/").endswith("}")
    return True
