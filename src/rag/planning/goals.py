"""Choose the call for each action asked: right method, named resource, and inputs the plan can fill.

For one action among the ranker's candidates, a call is likelier when its method can do the verb, when its
resource is the one named, and when its identifiers are ones the plan already has (typed by the user or
returned by an earlier step): a user who says "finalize it" after creating an invoice means the call
that takes that invoice, not one needing an id nobody gave.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.planning.actions import method_fits
from src.rag.planning.given import GivenValue
from src.rag.planning.graph import DataFlowGraph
from src.rag.planning.inputs import from_question
from src.rag.planning.names import ATTRIBUTES, is_id_like, resource_of_path
from src.rag.textutil import path_resources, singular, split_identifier, tokenize

RESOURCE_CANDIDATES = 5

# Words that point back at what the previous step worked on ("finalize it", "evict them").
_BACK = re.compile(r"\b(it|them|its|their|theirs)\b", re.IGNORECASE)
_HEADING = re.compile(r"^\s*([^:]{3,120}):\s+\S")


def topic_words(question: str) -> set[str]:
    """Return the words of a leading summary ("drain node worker-3: ..."): context every action shares."""
    match = _HEADING.match(" ".join(question.split()))
    return set(tokenize(match.group(1))) if match else set()


def with_referent(action: str, previous: str) -> str:
    """Replace a pronoun with the resources of the previous goal's path ("finalize it" → "finalize invoice")."""
    if not previous:
        return action
    nouns = [singular(w) for w in path_resources(previous.split(" ", 1)[1]) if not w.isdigit()]
    noun = " ".join(dict.fromkeys(nouns))
    return _BACK.sub(noun, action, count=1) if noun else action


def resource_candidates(action: str, graph: DataFlowGraph, limit: int = RESOURCE_CANDIDATES) -> list[str]:
    """Return calls on a resource the action names whose method can do its verb, fewest path variables first.

    The ranker's list for a short phrase can miss the plain call ("start a thread" ranks reads of one
    thread first); the path itself says which calls work on the thread collection.
    """
    named = [k for k in graph.operations if names_resource(action, k) and method_fits(action, k.split(" ", 1)[0])]
    return sorted(named, key=lambda k: (k.count("{"), len(k)))[:limit]


def names_resource(action: str, key: str, context: set[str] = frozenset()) -> bool:
    """Tell whether the action (or the question's leading summary) names the resource the call works on."""
    words = set(tokenize(action)) | set(context)
    last = resource_of_path(key.split(" ", 1)[1])
    return bool(last) and (last[-1] in words or "".join(last) in words)


def open_inputs(graph: DataFlowGraph, key: str, values: Sequence[GivenValue], earlier: Sequence[str]) -> int:
    """Count the identifiers a call needs that neither the question nor an earlier goal supplies."""
    node = graph.operations.get(key)
    count = 0
    for inp in node.inputs if node else ():
        if not _names_id(inp.name):
            continue  # a name, an amount or a plain noun (``namespace``) can be typed; an id must come from somewhere
        if from_question(inp, values) is None and not any(
                link.producer in earlier for link in graph.producers(key, inp.name)):
            count += 1
    return count


def _names_id(name: str) -> bool:
    """Tell whether a field's own name ends in an identifier word (``file_id``, ``ServiceSid``), not a bare noun."""
    parts = split_identifier(name)
    return bool(parts) and is_id_like(ATTRIBUTES.get(parts[-1], ""))


def fed_by(graph: DataFlowGraph, key: str, earlier: Sequence[str]) -> bool:
    """Tell whether an earlier goal produces one of this operation's required inputs."""
    return any(link.producer in earlier for links in graph.links.get(key, {}).values() for link in links)


def pick_goal(action: str, candidates: Sequence[str], graph: DataFlowGraph, values: Sequence[GivenValue],
              earlier: Sequence[str], context: set[str]) -> str:
    """Return the candidate that best does the action given the goals before it.

    In order: a method that can do the verb; fewest identifiers nobody supplies, naming the resource (in
    the action as the user wrote it, not the pronoun's stand-in) outweighing one of them; fed by an
    earlier goal; ranker order.
    """
    rank = {k: n for n, k in enumerate(candidates)}
    return min(candidates, key=lambda k: (not method_fits(action, k.split(" ", 1)[0]),
                                          open_inputs(graph, k, values, earlier) - names_resource(action, k, context),
                                          not fed_by(graph, k, earlier), rank[k]))
