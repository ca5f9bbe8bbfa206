"""The planner: goal operations from the ranked hits, then producers for the inputs the question leaves open."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from src.core.logging import get_logger
from src.rag.auth_questions import is_auth_ranking
from src.rag.planning.actions import method_fits, methods_for, opens_with_verb, split_actions
from src.rag.planning.given import GivenValue, given_values
from src.rag.planning.goals import (FIELD_NAME, action_verb, consumer_candidates, creates, names_any, pick_goal,
                                    resource_candidates, topic_words, with_referent)
from src.rag.planning.graph import MIN_SCORE, DataFlowGraph, FlowInput, Link, scan_producers
from src.rag.planning.inputs import from_question, from_steps, from_user
from src.rag.planning.names import is_id_like, resource_of_path, split_name
from src.rag.planning.plan import PlanInput, PlanStep
from src.rag.textutil import singular, tokenize
from src.rag.types import ApiSpec, ChunkKind, Hit, Operation

log = get_logger(__name__)

MAX_DEPTH = 4
MAX_STEPS = 6
# How far down the ranked hits a one-action question's goal may be when the top hit cannot do its verb.
CHANGE_WINDOW = 5
# The user says they lack an identifier: every resource named in that sentence must be looked up first.
_LACKING = re.compile(r"\b(don'?t|do not|doesn'?t|dont) (know|have)\b|\bnot (its|the|their) (id|sid)\b|"
                      r"\bonly (have|know)\b|\bwithout (the|its|an?) (id|sid)\b|\bby (name|email|number|username)\b",
                      re.IGNORECASE)
# "every active subscription", "the member whose name…": that resource is found by listing.
_EVERY = re.compile(r"\b(?:every|each|all(?: of)?(?: the| my| their)?)\s+"
                    r"([a-z-]+(?:\s+(?!(?:a|an|the|that|they|in|of|for|from|to)\b)[a-z-]+)?)", re.IGNORECASE)
_LOCAL_FILE = re.compile(r"\b[\w-]+\.(?:jsonl|json|csv|pdf|png|jpe?g|txt|mp3|wav|zip)\b"
                         r"|\b(?:my|the|a)\s+(?:pdf|jsonl|csv)\b", re.IGNORECASE)
_LACKED = re.compile(r"\b([a-z]{3,})(?:'s\s+(?:name|id|sid|number)|\s+(?:id|sid|uuid)\b)", re.IGNORECASE)
_PRONOUNS = {"its", "their", "his", "her", "your", "our", "my"}
_EXISTING = re.compile(r"\b(?:existing|already)\b", re.IGNORECASE)
_WHOSE = re.compile(r"\b([a-z]+)\s+whose\b", re.IGNORECASE)
# "the last 50 messages", "last month's invoice", "the newest charge": found by listing and picking.
_RECENT = re.compile(r"\b(?:last|latest|newest|oldest|most recent|recent)\s+"
                     r"(?:\d+\s+|month'?s?\s+|week'?s?\s+|year'?s?\s+)?([a-z]+)", re.IGNORECASE)


@dataclass
class PlanContext:
    """What the planner reads: the question's values and terms, the ranked hits, and the API in play."""

    question: str
    values: list[GivenValue]
    terms: set[str]
    ranked: list[str]
    lookup: set[str]
    graph: DataFlowGraph
    spec: ApiSpec
    # The user has the file on their machine: it gets an id by being uploaded, not by being looked up.
    local_file: bool = False
    # Calls being planned right now (a producer's own producers must not loop back to them).
    active: set[str] = field(default_factory=set)


class Planner:
    """Build a plan for a question from the ranker's order and the API's data-flow graph."""

    def __init__(self, search: Callable[[str, tuple[str, ...]], list[Hit]], graph_of: Callable[[str], DataFlowGraph],
                 spec_of: Callable[[str], ApiSpec]) -> None:
        self.search = search
        self.graph_of = graph_of
        self.spec_of = spec_of

    def plan(self, question: str, hits: Sequence[Hit]) -> tuple[PlanStep, ...]:
        """Return the ordered calls that answer the question (one step for a one-call question; empty if none fits)."""
        if is_auth_ranking(hits):  # an answer about authenticating itself is not a task of calls
            return ()
        ops = [h for h in hits if h.kind == ChunkKind.OPERATION and h.method and h.path]
        if not ops and hits:  # the top hits are schemas or docs: ask the ranker for operations only
            ops = [h for h in self.search(question, (hits[0].api,)) if h.method and h.path]
        if not ops:
            return ()
        values, lookup = given_values(question), lookup_targets(question)
        contexts: dict[str, PlanContext] = {}
        # only a task of several actions can reach another API: a one-call question loads one graph and spec
        for api in in_play(ops) if len(split_actions(question)) > 1 else [ops[0].api]:
            try:
                contexts[api] = PlanContext(question, values, set(tokenize(question)),
                                            [_key(h) for h in ops if h.api == api], lookup, self.graph_of(api),
                                            self.spec_of(api), bool(_LOCAL_FILE.search(question)))
            except Exception as exc:  # a plan is an addition to the answer; its absence must not break the answer
                log.warning("plan.unavailable", api=api, error=type(exc).__name__)
        if ops[0].api not in contexts:
            return ()
        ctx = contexts[ops[0].api]
        goals = self.goals(question, ops, contexts)
        steps = self._steps(goals, contexts, ctx, [])
        # "I know the droplet's name but not its id": when no step finds that resource, its listing leads
        missing = [k for noun in lacked_nouns(question) if not any(noun in resource_of_path(s.path) for s in steps)
                   for k in [resource_listing(ctx.graph, FlowInput(f"{noun}_id", "body", resource=(noun,)))] if k]
        lead = [ctx.spec.operation(k) for k in dict.fromkeys(missing)]
        if steps and lead and all(lead):
            steps = self._steps(goals, contexts, ctx, [op for op in lead if op is not None])
        return tuple(steps[:MAX_STEPS])

    def _steps(self, goals: Sequence[tuple[str, str]], contexts: dict[str, PlanContext], lead_ctx: PlanContext,
               lead: Sequence[Operation]) -> list[PlanStep]:
        steps: list[PlanStep] = []
        for op in lead:  # lookups of what the user lacks, in the top hit's API
            self._add(op, lead_ctx, steps, MAX_DEPTH, goal=False)
        for api, goal in goals:
            ctx = contexts[api]
            op = ctx.spec.operation(goal)
            if op is not None and all(s.key != goal or s.api != api for s in steps):
                self._add(op, ctx, steps, 0, goal=True)
        return steps

    def safe_plan(self, question: str, hits: Sequence[Hit]) -> tuple[PlanStep, ...]:
        """Return `plan`, or an empty plan (logged) when planning fails: the answer must not depend on it."""
        try:
            return self.plan(question, hits)
        except Exception as exc:  # noqa: BLE001 - any planning fault degrades to "no plan", never to no answer
            log.error("plan.failed", error=type(exc).__name__, detail=str(exc)[:200])
            return ()

    def goals(self, question: str, ops: Sequence[Hit], contexts: dict[str, PlanContext]) -> list[tuple[str, str]]:
        """Return the goal operations, as (API, ``METHOD /path``), in the order asked: the top hit, or one per action.

        Each action is searched on its own, a pronoun standing for the previous goal's resource, among the
        APIs the whole question's top hits come from: a task can span services a team runs side by side
        ("update the reservation, then take the payment"). The action's best hit says which API does it;
        among that API's candidates the planner takes the one that can do the action on the resource named
        and whose identifiers the question or an earlier goal supplies (`goals.pick_goal`).
        """
        api = ops[0].api
        actions = split_actions(question)
        if len(actions) < 2:
            if actions and _EXISTING.search(actions[0]):  # the call on the existing item may rank low
                ops = list(ops) + [h for h in self.search(actions[0], (api,)) if h.method and h.path]
            return [(api, _changing_goal(actions[0], [h for h in ops if h.api == api]) if actions else _key(ops[0]))]
        context = topic_words(question)
        goals: list[tuple[str, str]] = []
        for action in actions:
            previous_api, previous = goals[-1] if goals else (api, "")
            # an action naming another API's resource ("open a ticket") is not about the previous goal's
            graph = None if any(names_any(action, c.graph) for a, c in contexts.items() if a != previous_api) \
                else contexts[previous_api].graph
            query = with_referent(action, previous, graph)
            ranked = [(h.api, _key(h)) for h in self.search(query, tuple(contexts))
                      if h.kind == ChunkKind.OPERATION and h.method and h.api in contexts]
            # the action's best hit says which API does it; that API's calls compete for the action
            here = ranked[0][0] if ranked else previous_api
            ctx = contexts[here]
            earlier = [k for a, k in goals if a == here]
            found = [k for a, k in ranked if a == here]
            found += [k for k in resource_candidates(action, ctx.graph) if k not in found]
            found += [k for k in consumer_candidates(action, ctx.graph, previous if previous_api == here else "")
                      if k not in found]
            fields = field_takers(action, ctx.spec)
            found += [k for k in sorted(fields, key=len) if k not in found]
            fresh = [k for k in found if k not in earlier]
            if fresh:
                goals.append((here, pick_goal(action, fresh, ctx.graph, _own_values(action, actions, ctx.values),
                                              earlier, context, fields, ctx.values)))
        return goals or [(api, _key(ops[0]))]

    def _add(self, op: Operation, ctx: PlanContext, steps: list[PlanStep], depth: int, goal: bool) -> None:
        if any(s.key == op.key and s.api == ctx.graph.api for s in steps) or op.key in ctx.active:
            return  # a producer already in the plan serves every later step that needs it
        ctx.active.add(op.key)
        node = ctx.graph.operations.get(op.key)
        inputs = []
        for inp in (node.inputs if node else ()) + optional_lookups(op, ctx.lookup):
            found = from_question(inp, ctx.values) or from_steps(ctx.graph, op.key, inp, steps)
            if found is None and depth < MAX_DEPTH and self._needs_lookup(op, inp, ctx):
                producer = self._producer(op.key, inp, ctx, steps)
                if producer is not None:
                    self._add(producer, ctx, steps, depth + 1, goal=False)
                    found = from_steps(ctx.graph, op.key, inp, steps) or _from_listing(inp, producer, steps)
            inputs.append(found or from_user(inp))
        ctx.active.discard(op.key)
        steps.append(PlanStep(ctx.graph.api, op.method, op.path, op.pointer, tuple(inputs), op.summary, goal))

    @staticmethod
    def _needs_lookup(op: Operation, inp: FlowInput, ctx: PlanContext) -> bool:
        """Look an input up only when the user says they lack that resource's identifier.

        A call that creates the resource the input names (uploading the file) is where it comes from.
        """
        if op.method.upper() == "POST" and inp.location == "body" and inp.resource[-1:] \
                and resource_of_path(op.path)[-1:] == inp.resource[-1:]:
            return False
        named = bool(set(inp.resource) & ctx.lookup)
        return named and (is_id_like(inp.attribute) or inp.attribute == "name")

    def _producer(self, key: str, inp: FlowInput, ctx: PlanContext, steps: list[PlanStep]) -> Operation | None:
        """Pick the producer the question makes likeliest: graph score, question words, ranker order, lookups first."""
        taken = {s.key for s in steps} | {key} | ctx.active
        found = ctx.graph.producers(key, inp.name) or scan_producers(ctx.graph, inp, key)
        links = [link for link in found if link.producer not in taken and not _needs_same(ctx.graph, link.producer, inp)]
        listing = parent_listing(ctx.graph, key, inp) or resource_listing(ctx.graph, inp)
        if listing and listing not in taken and all(link.producer != listing for link in links):
            links.append(Link(listing, "[].id", MIN_SCORE))  # the spec leaves the listing's items undescribed
        if not links:
            return None
        best = max(links, key=lambda link: _relevance(link, ctx, inp))
        return ctx.spec.operation(best.producer)


def in_play(ops: Sequence[Hit]) -> list[str]:
    """Return the APIs an action's call may come from: the top hit's, then those of the other fitting sources."""
    apis = [ops[0].api] + [h.api for h in ops[1:] if h.fits]
    return list(dict.fromkeys(apis))


def _needs_same(graph: DataFlowGraph, producer: str, inp: FlowInput) -> bool:
    """Tell whether a producer itself needs the identifier it is asked for (reading one call needs its sid)."""
    node = graph.operations.get(producer)
    return any(i.resource[-1:] == inp.resource[-1:] and i.attribute == inp.attribute and i.location == "path"
               for i in (node.inputs if node else ()) if inp.resource)


def parent_listing(graph: DataFlowGraph, key: str, inp: FlowInput) -> str:
    """Return the GET on the collection a path variable indexes (`/invoices` for `/invoices/{invoice_uuid}/csv`).

    The fallback when no response describes the id: by REST convention the collection lists its items.
    """
    if inp.location != "path":
        return ""
    path = key.split(" ", 1)[1]
    head, sep, _ = path.partition("{" + inp.name + "}")
    parent = f"GET {head.rstrip('/')}"
    return parent if sep and parent != "GET " and parent in graph.operations else ""


def resource_listing(graph: DataFlowGraph, inp: FlowInput) -> str:
    """Return the plain GET of the collection an input's resource names (`GET /v2/droplets` for `droplet_id`)."""
    if not inp.resource or not is_id_like(inp.attribute):
        return ""
    found = [k for k in graph.operations if k.startswith("GET ") and "{" not in k
             and resource_of_path(k.split(" ", 1)[1])[-1:] == inp.resource[-1:]]
    return min(found, key=len) if found else ""


def _from_listing(inp: FlowInput, producer: Operation, steps: list[PlanStep]) -> PlanInput | None:
    """Read an input off a listing whose items the spec leaves undescribed: the first item's id."""
    n = next((i + 1 for i, s in enumerate(steps) if s.key == producer.key), 0)
    return PlanInput(inp.name, "step", n, "[0].id", location=inp.location) if n else None


def optional_lookups(op: Operation, targets: set[str]) -> tuple[FlowInput, ...]:
    """Return optional body fields naming a resource the user lacks the id of ("assign the ip to droplet web-02")."""
    body = op.request_body
    out = []
    for f in body.fields if body and targets else ():
        res, attr = split_name(f.name)
        if "." not in f.name and not f.required and not f.read_only and is_id_like(attr) and set(res) & targets:
            out.append(FlowInput(f.name, "body", f.type, res, attr, f.description))
    return tuple(out)


def lacked_nouns(question: str) -> list[str]:
    """Return the resources whose identifier the user says they lack ("the droplet's name but not its id")."""
    out = []
    for sentence in re.split(r"(?<=[.!?;])\s+", question):
        if _LACKING.search(sentence):
            out += [singular(m.lower()) for m in _LACKED.findall(sentence) if tokenize(m) and m.lower() not in _PRONOUNS]
    return list(dict.fromkeys(out))


def lookup_targets(question: str) -> set[str]:
    """Return the resources the user has no identifier for (so a lookup call must find them)."""
    targets: set[str] = set()
    for sentence in re.split(r"(?<=[.!?;])\s+", question):
        if _LACKING.search(sentence):
            targets |= set(tokenize(sentence))
        for m in _EVERY.finditer(sentence):
            targets |= set(tokenize(m.group(1)))
        targets |= {t for m in _WHOSE.finditer(sentence) for t in tokenize(m.group(1))}
        targets |= {t for m in _RECENT.finditer(sentence) for t in tokenize(m.group(1))}
        if _LOCAL_FILE.search(sentence):
            targets.add("file")  # "fine tune on my training.jsonl": the file must be uploaded first
    return targets


def _relevance(link: Link, ctx: PlanContext, inp: FlowInput | None = None) -> float:
    method, path = link.producer.split(" ", 1)
    node = ctx.graph.operations.get(link.producer)
    words = set(tokenize(f"{node.summary if node else ''} {path}"))
    score = link.score + 0.5 * len(words & ctx.terms)
    if link.producer in ctx.ranked:
        score += 2.0 - 0.1 * ctx.ranked.index(link.producer)
    upload = ctx.local_file and inp is not None and inp.resource[-1:] == ("file",)
    if upload:
        score += 3.5 if method == "POST" else 0.0  # the user's own file gets its id by being uploaded
    elif method == "GET":
        score += 1.5 + (0.5 if "[]" in link.field else 0.0)  # a lookup reads what exists
    if path.rstrip("/").endswith("}"):
        score -= 1.0  # reading one item needs its id already
    elif method == "GET" and not upload and inp is not None and inp.resource \
            and resource_of_path(path)[-1:] == inp.resource[-1:]:
        score += 2.0  # listing the very resource the input names is how its id is looked up
    return score - 0.05 * len(resource_of_path(path))


def field_takers(action: str, spec: ApiSpec) -> frozenset[str]:
    """Return the calls whose request takes a field the action spells out (`invoice_settings.default_payment_method`)."""
    named = {m.lower() for m in FIELD_NAME.findall(action)}
    if not named:
        return frozenset()
    return frozenset(op.key for op in spec.operations if op.request_body is not None
                     and named & {f.name.lower() for f in op.request_body.fields})


def _own_values(action: str, actions: Sequence[str], values: Sequence[GivenValue]) -> list[GivenValue]:
    """Return the values typed for this action: its own, or ones no other action holds (a heading's dispute id)."""
    return [v for v in values if v.text in action or not any(v.text in other for other in actions)]


def _changing_goal(action: str, ops: Sequence[Hit]) -> str:
    """Return the top hit, or the first of the next few that can make the change an action opens with.

    "end that call" ranked the read of one call first; a verb that changes things cannot be a GET. An
    action on an existing thing ("assign my existing reserved ip") takes a call on one item under the
    collection rather than the call creating a new one.
    """
    verb = action_verb(action) if opens_with_verb(action) else ""
    goal = ops[0]
    if verb and "GET" not in methods_for(verb) and (goal.method or "").upper() == "GET":
        goal = next((h for h in ops[:CHANGE_WINDOW] if method_fits(action, h.method or "")), goal)
    if _EXISTING.search(action) and creates(_key(goal)):
        goal = next((h for h in ops if (h.path or "").startswith(f"{goal.path}/{{")
                     and method_fits(action, h.method or "")), goal)
    return _key(goal)


def _key(hit: Hit) -> str:
    return f"{(hit.method or '').upper()} {hit.path}"
