"""Goal and producer rules on small crafted data-flow graphs: verbs a path spells, actions that refer back,
ids typed for the resource named, undescribed responses, collections that list what a path variable indexes."""

from __future__ import annotations

from src.rag.planning.actions import split_actions
from src.rag.planning.given import given_values
from src.rag.planning.goals import (call_resource, consumer_candidates, creates, fed_by, names_owner, pick_goal,
                                    takes_given, verb_matches)
from src.rag.planning.graph import DataFlowGraph, FlowInput, FlowOutput, Link, OperationFlow
from src.rag.planning.planner import _changing_goal, lacked_nouns, lookup_targets, parent_listing, resource_listing
from src.rag.types import ChunkKind, Hit

INVOICE = FlowInput("invoice", "path", resource=("invoice",))
VOLUME = FlowInput("volume_id", "path", resource=("volume",))
TRANSFER = FlowInput("transferId", "path", resource=("transfer",))
DISPUTE = FlowInput("dispute", "path", resource=("dispute",))
FILE = FlowInput("file", "body", resource=("file",))


def _graph(*nodes: OperationFlow, links: dict | None = None) -> DataFlowGraph:
    return DataFlowGraph("crafted", {n.key: n for n in nodes}, links or {})


def _node(key: str, *inputs: FlowInput, outputs: tuple[FlowOutput, ...] = ()) -> OperationFlow:
    return OperationFlow(key, "", tuple(inputs), outputs)


def test_a_segment_after_an_id_spells_the_verb_and_works_on_its_owner():
    assert verb_matches("email it to them", "POST /v1/invoices/{invoice}/send")
    assert verb_matches("evict them", "POST /api/v1/namespaces/{namespace}/pods/{name}/eviction")
    assert not verb_matches("upload the jsonl", "POST /uploads")  # the first resource names a thing
    assert not verb_matches("check on the job", "GET /fine_tuning/jobs/{id}/checkpoints")
    assert call_resource("POST /v1/invoices/{invoice}/send") == ("invoice",)
    assert call_resource("POST /v2/Services/{ServiceSid}/VerificationCheck") == ("verification",)


def test_a_spelled_verb_beats_the_plain_update_of_the_same_thing():
    graph = _graph(_node("POST /v1/invoices"), _node("POST /v1/invoices/{invoice}", INVOICE),
                   _node("POST /v1/invoices/{invoice}/send", INVOICE),
                   links={k: {"invoice": (Link("POST /v1/invoices", "id", 6.0),)}
                          for k in ("POST /v1/invoices/{invoice}", "POST /v1/invoices/{invoice}/send")})
    candidates = ["POST /v1/invoices/{invoice}", "POST /v1/invoices/{invoice}/send"]
    assert pick_goal("email it to them", candidates, graph, [], ["POST /v1/invoices"], set()) == candidates[1]


def test_an_action_that_refers_back_takes_a_call_fed_by_the_previous_goal():
    volume_out = (FlowOutput("id", "id", ("volume",)),)
    graph = _graph(_node("POST /v2/volumes", outputs=volume_out), _node("POST /v2/droplets"),
                   _node("POST /v2/volumes/{volume_id}/actions", VOLUME),
                   links={"POST /v2/volumes/{volume_id}/actions": {"volume_id": (Link("POST /v2/volumes", "id", 6.0),)}})
    found = consumer_candidates("attach it to droplet 42", graph, "POST /v2/volumes")
    assert found == ["POST /v2/volumes/{volume_id}/actions"]
    candidates = ["POST /v2/droplets"] + found  # the ranker's order names the droplet first
    assert pick_goal("attach it to droplet 42", candidates, graph, [], ["POST /v2/volumes"], set()) == found[0]
    assert consumer_candidates("create a droplet", graph, "POST /v2/volumes") == []  # names its own resource


def test_an_undescribed_response_feeds_the_id_of_the_resource_it_creates():
    graph = _graph(_node("POST /v1/transfers"), _node("GET /v1/delivery-estimates/{transferId}", TRANSFER))
    assert fed_by(graph, "GET /v1/delivery-estimates/{transferId}", ["POST /v1/transfers"])
    described = _graph(_node("POST /v1/transfers", outputs=(FlowOutput("id", "id", ("quote",)),)),
                       _node("GET /v1/delivery-estimates/{transferId}", TRANSFER))
    assert not fed_by(described, "GET /v1/delivery-estimates/{transferId}", ["POST /v1/transfers"])


def test_an_id_typed_for_the_named_resource_picks_the_call_that_takes_it():
    graph = _graph(_node("POST /v1/disputes/{dispute}", DISPUTE), _node("POST /v1/file_links", FILE),
                   links={"POST /v1/file_links": {"file": (Link("POST /v1/files", "id", 6.0),)}})
    values = given_values("fighting dispute dp_123: upload the receipt and attach it to the dispute")
    assert takes_given(graph, "POST /v1/disputes/{dispute}", values)
    assert not takes_given(graph, "POST /v1/disputes/{dispute}", values, {"store"})  # typed for another resource
    candidates = ["POST /v1/file_links", "POST /v1/disputes/{dispute}"]
    assert pick_goal("attach it to the dispute", candidates, graph, values, ["POST /v1/files"], set()) == candidates[1]


def test_an_abbreviated_owner_counts_only_beside_the_resource_named():
    assert names_owner("create a new db user 'app'", "POST /v2/databases/{database_cluster_uuid}/users")
    assert not names_owner("create their express account", "POST /v1/account/bank_accounts")


def test_removal_verbs_prefer_a_delete():
    graph = _graph(_node("POST /guilds/{guild_id}/bulk-ban"), _node("DELETE /guilds/{guild_id}/bans/{user_id}"))
    candidates = ["POST /guilds/{guild_id}/bulk-ban", "DELETE /guilds/{guild_id}/bans/{user_id}"]
    assert pick_goal("lift the ban", candidates, graph, [], [], set()) == candidates[1]


def test_the_collection_a_path_variable_indexes_lists_its_ids():
    graph = _graph(_node("GET /v2/customers/my/invoices"), _node("GET /v2/droplets"), _node("GET /v2/droplets/{droplet_id}"))
    inp = FlowInput("invoice_uuid", "path", resource=("invoice",), attribute="uuid")
    assert parent_listing(graph, "GET /v2/customers/my/invoices/{invoice_uuid}/csv", inp) == "GET /v2/customers/my/invoices"
    assert parent_listing(graph, "GET /v2/reports/{invoice_uuid}", inp) == ""  # no such collection
    assert resource_listing(graph, FlowInput("droplet_id", "body", resource=("droplet",))) == "GET /v2/droplets"


def test_a_verbless_clause_after_then_keeps_the_making_verb():
    actions = split_actions("postgres: create a new db user 'app' and then a pgbouncer pool that uses it")
    assert actions == ["create a new db user 'app'", "create a pgbouncer pool that uses it"]


def test_a_change_verb_skips_a_top_read_and_an_existing_thing_is_not_created_again():
    def hit(method: str, path: str) -> Hit:
        return Hit(path, "crafted", ChunkKind.OPERATION, path, "crafted", 1.0, method=method, path=path)

    ops = [hit("GET", "/Calls/{Sid}.json"), hit("POST", "/Calls/{Sid}.json")]
    assert _changing_goal("end that call", ops) == "POST /Calls/{Sid}.json"
    assert _changing_goal("show that call", ops) == "GET /Calls/{Sid}.json"
    assert _changing_goal("the call I'm on", ops) == "GET /Calls/{Sid}.json"  # no verb: the ranker decides
    ips = [hit("POST", "/v2/reserved_ips"), hit("POST", "/v2/reserved_ips/{reserved_ip}/actions")]
    assert _changing_goal("assign my existing reserved ip to it", ips) == "POST /v2/reserved_ips/{reserved_ip}/actions"
    assert _changing_goal("assign a new reserved ip to it", ips) == "POST /v2/reserved_ips"


def test_a_local_file_is_a_lookup_target_the_upload_answers():
    assert "file" in lookup_targets("fine tune gpt-4o-mini on my training.jsonl")


def test_the_resource_whose_id_the_user_lacks_is_named_not_its_pronoun():
    assert lacked_nouns("i know the droplet's name (web-02) but not its id. assign my reserved ip to it") == ["droplet"]
    assert lacked_nouns("I don't have the call sid. end that call") == ["call"]
    assert lacked_nouns("assign my reserved ip to droplet 42") == []


def test_a_changing_verb_never_takes_the_call_that_creates_one():
    graph = _graph(_node("POST /orders"), _node("PUT /orders/{order_id}", FlowInput("order_id", "path", resource=("order",))))
    candidates = ["POST /orders", "PUT /orders/{order_id}"]  # the ranker put the create first
    assert pick_goal("update the details of an existing order", candidates, graph, [], [], set()) == candidates[1]
    assert creates("POST /api/v1/namespaces/{namespace}/pods") and creates("POST /2010-04-01/Accounts/{Sid}/Calls.json")
    assert not creates("POST /v1/payouts/{payout}/cancel") and not creates("POST /v1/customers/{customer}")



def test_a_sentence_saying_what_happened_is_not_an_action():
    assert split_actions("db user password got leaked, rotate it") == ["rotate it"]
    assert split_actions("the job failed. find its pod and read why it died") == ["find its pod", "read why it died"]
