"""Hand-built specs (our own dataclasses) covering each request style the code generators support."""

from __future__ import annotations

import importlib
from pathlib import Path

from src.rag.types import (
    ApiSpec,
    AuthScheme,
    Operation,
    Parameter,
    Protocol,
    RequestBody,
    Response,
    SchemaField,
    SpecFormat,
)

DATA_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
STRIPE_FILE = DATA_DIR / "specs" / "stripe_spec3_2022-04.json"

_REFUND_FIELDS = (
    SchemaField("amount", "integer", description="A positive integer in cents representing how much to refund."),
    SchemaField("charge", "string", description="The identifier of the charge to refund."),
    SchemaField("expand", "array[string]", description="Specifies which fields in the response should be expanded."),
    SchemaField("metadata", "object", description="Set of key-value pairs that you can attach to an object."),
    SchemaField("payment_intent", "string", description="The identifier of the PaymentIntent to refund."),
    SchemaField("reason", "string", enum=("duplicate", "fraudulent", "requested_by_customer")),
    SchemaField("refund_application_fee", "boolean"),
)


def stripe_like_spec() -> ApiSpec:
    """Return a small Stripe-shaped spec: form bodies, basic and bearer auth, a server with a trailing slash."""
    refunds = Operation(
        "POST", "/v1/refunds", operation_id="PostRefunds", summary="Create a refund",
        description="Create a refund for a charge or a PaymentIntent.", tags=("Refunds",),
        request_body=RequestBody("application/x-www-form-urlencoded", fields=_REFUND_FIELDS),
        responses=(Response("200", "Successful response.", "application/json",
                            (SchemaField("id", "string", True), SchemaField("amount", "integer", True),
                             SchemaField("status", "string", description="Status of the refund.")), "refund"),
                   Response("default", "Error response.")),
        security=("basicAuth", "bearerAuth"), pointer="#/paths/~1v1~1refunds/post",
    )
    charge_refund = Operation(
        "POST", "/v1/charges/{charge}/refund", operation_id="PostChargesChargeRefund", summary="Refund a charge",
        description="Refund a charge that has previously been created but not yet refunded.",
        parameters=(Parameter("charge", "path", True, "string", "The charge to refund."),),
        request_body=RequestBody("application/x-www-form-urlencoded", fields=_REFUND_FIELDS[:4]),
        responses=(Response("200", "Successful response.", "application/json", schema_name="charge"),),
        security=("basicAuth", "bearerAuth"), pointer="#/paths/~1v1~1charges~1{charge}~1refund/post",
    )
    list_charges = Operation(
        "GET", "/v1/charges", operation_id="GetCharges", summary="List all charges",
        parameters=(Parameter("limit", "query", False, "integer", "A limit on the number of objects.", default=10),
                    Parameter("customer", "query", False, "string", "Only return charges for this customer.")),
        responses=(Response("200", "Successful response."),),
        security=("basicAuth", "bearerAuth"), pointer="#/paths/~1v1~1charges/get",
    )
    create_customer = Operation(
        "POST", "/v1/customers", operation_id="PostCustomers", summary="Create a customer",
        request_body=RequestBody("application/x-www-form-urlencoded", fields=(
            SchemaField("email", "string", description="Customer's email address."),
            SchemaField("name", "string", description="The customer's full name."))),
        responses=(Response("200", "Successful response.", schema_name="customer"),),
        security=("basicAuth", "bearerAuth"), pointer="#/paths/~1v1~1customers/post",
    )
    return ApiSpec(
        title="Stripe API", version="2022-11-15", format=SpecFormat.OPENAPI_30,
        servers=("https://api.stripe.com/",),
        operations=(refunds, charge_refund, list_charges, create_customer),
        auth_schemes=(AuthScheme("basicAuth", "http", "basic", pointer="#/components/securitySchemes/basicAuth"),
                      AuthScheme("bearerAuth", "http", "bearer", pointer="#/components/securitySchemes/bearerAuth")),
        security=("basicAuth", "bearerAuth"),
    )


def json_api_spec() -> ApiSpec:
    """Return a JSON-body API with an API key header, a path parameter and a required query parameter."""
    create_order = Operation(
        "POST", "/v2/stores/{storeId}/orders", operation_id="createOrder", summary="Place an order",
        parameters=(Parameter("storeId", "path", True, "integer", "Store that takes the order.", example=42),
                    Parameter("dryRun", "query", True, "boolean", "Validate without placing.", default=False),
                    Parameter("X-Request-Id", "header", True, "string", example="req-1")),
        request_body=RequestBody("application/json", required=True, fields=(
            SchemaField("sku", "string", True, "Product code.", example="SKU-1"),
            SchemaField("quantity", "integer", True, "How many.", default=2),
            SchemaField("shipping", "string", True, enum=("standard", "express")),
            SchemaField("customer", "object", True),
            SchemaField("customer.email", "string(email)", True),
            SchemaField("customer.phone", "string", False),
            SchemaField("note", "string", False, "Optional note."))),
        responses=(Response("201", "Order created.", "application/json", (SchemaField("orderId", "string", True),)),),
        security=("ApiKeyHeader",), pointer="#/paths/~1v2~1stores~1{storeId}~1orders/post",
    )
    return ApiSpec(
        title="Shop API", version="2.0", format=SpecFormat.OPENAPI_30, servers=("https://shop.example.org/api",),
        operations=(create_order,),
        auth_schemes=(AuthScheme("ApiKeyHeader", "apiKey", location="header", param_name="X-API-Key"),),
    )


def graphql_spec() -> ApiSpec:
    """Return a GraphQL API with one query whose document declares two required variables."""
    document = (
        "query Repository($owner: String!, $name: String!) {\n"
        "  repository(owner: $owner, name: $name) {\n    id\n    name\n  }\n}"
    )
    op = Operation(
        "QUERY", "repository", summary="Lookup a given repository by the owner and repository name.",
        parameters=(Parameter("owner", "argument", True, "String!", "The login field of a user or organization"),
                    Parameter("name", "argument", True, "String!", "The name of the repository"),
                    Parameter("followRenames", "argument", False, "Boolean", default=True)),
        protocol=Protocol.GRAPHQL, graphql_document=document, pointer="#/types/Query/fields/repository",
    )
    return ApiSpec(
        title="GitHub GraphQL", version="1", format=SpecFormat.GRAPHQL,
        servers=("https://api.github.com/graphql",), operations=(op,),
        auth_schemes=(AuthScheme("bearer", "http", "bearer"),),
    )


def query_key_spec(servers: tuple[str, ...] = ("https://weather.example.com",)) -> ApiSpec:
    """Return an API whose key travels in the query string."""
    op = Operation(
        "GET", "/data/forecast", summary="Daily forecast",
        parameters=(Parameter("city", "query", True, "string", example="Oslo"),
                    Parameter("units", "query", True, "string", enum=("metric", "imperial")),
                    Parameter("days", "query", False, "integer")),
        security=("key",), pointer="#/paths/~1data~1forecast/get",
    )
    return ApiSpec(
        title="Weather", version="1", format=SpecFormat.OPENAPI_30, servers=servers, operations=(op,),
        auth_schemes=(AuthScheme("key", "apiKey", location="query", param_name="appid"),),
    )


def basic_auth_spec() -> ApiSpec:
    """Return an API that uses HTTP basic auth and a DELETE with a path parameter."""
    op = Operation(
        "DELETE", "/users/{user_id}", summary="Delete a user",
        parameters=(Parameter("user_id", "path", True, "string", example="u-7"),),
        security=("basic",), pointer="#/paths/~1users~1{user_id}/delete",
    )
    return ApiSpec(
        title="Users", version="1", format=SpecFormat.OPENAPI_30, servers=("https://users.example.com",),
        operations=(op,), auth_schemes=(AuthScheme("basic", "http", "basic"),),
    )


def load_stripe_spec() -> tuple[ApiSpec, bool]:
    """Parse the real Stripe spec when the parser and the data exist; else return the hand-built one.

    Returns the spec and whether it is the real one.
    """
    try:
        parse_path = getattr(importlib.import_module("src.rag.parsing"), "parse_path", None)
    except ImportError:
        parse_path = None
    if parse_path is None or not STRIPE_FILE.is_file():
        return stripe_like_spec(), False
    result = parse_path(STRIPE_FILE)
    spec = result if isinstance(result, ApiSpec) else next(r for r in result if isinstance(r, ApiSpec))
    return spec, True
