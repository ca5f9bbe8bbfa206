"""GraphQL SDL/introspection and Markdown docs parse into operations, schemas and sections."""

from __future__ import annotations

import json

import graphql
import pytest

from src.core.errors import SpecError
from src.rag.parsing import parse_bytes
from src.rag.types import Protocol, SpecFormat

SDL = '''
"""Shop schema"""
schema { query: ShopQuery mutation: ShopMutation subscription: ShopEvents }

type ShopQuery {
  "Find a product by id."
  product(id: ID!, locale: String = "en"): Product
  search(term: String!, first: Int = 10): SearchResult
  legacy: String @deprecated(reason: "gone")
}
type ShopMutation { addToCart(input: CartInput!): Cart }
type ShopEvents { priceChanged(productId: ID!): Product }
type Product { id: ID! name: String! price: Money tags: [String!]! }
type Cart { id: ID! items: [Product!]! }
union SearchResult = Product | Cart
input CartInput { productId: ID! quantity: Int = 1 }
enum Currency { EUR USD }
'''


def test_sdl_root_fields_become_operations():
    spec = parse_bytes("shop.graphql", SDL.encode())
    assert spec.format == SpecFormat.GRAPHQL
    assert [o.key for o in spec.operations] == ["QUERY product", "QUERY search", "QUERY legacy",
                                                 "MUTATION addToCart", "SUBSCRIPTION priceChanged"]
    product = spec.operation("QUERY product")
    assert product.protocol == Protocol.GRAPHQL and product.tags == ("ShopQuery",)
    args = {p.name: p for p in product.parameters}
    assert args["id"].required and args["id"].type == "ID!" and args["id"].location == "argument"
    assert not args["locale"].required and args["locale"].default == "en"
    doc = graphql.parse(product.graphql_document)
    assert doc.definitions[0].operation.value == "query"
    assert "$id: ID!" in product.graphql_document and "name" in product.graphql_document
    assert spec.operation("QUERY legacy").deprecated
    assert "... on Product" in spec.operation("QUERY search").graphql_document
    assert "mutation AddToCart($input: CartInput!)" in spec.operation("MUTATION addToCart").graphql_document
    kinds = {s.name: s.type for s in spec.schemas}
    assert kinds["Product"] == "object" and kinds["CartInput"] == "input" and kinds["Currency"] == "enum"
    assert kinds["SearchResult"] == "union" and "ShopQuery" not in kinds
    assert any("Money" in w for w in spec.warnings)  # used but never defined: read as a custom scalar


def test_introspection_json_is_read():
    schema = graphql.build_schema(SDL.replace("price: Money", "price: Float"))
    result = graphql.graphql_sync(schema, graphql.get_introspection_query())
    for wrapped in ({"data": result.data}, result.data):
        spec = parse_bytes("introspection.json", json.dumps(wrapped).encode())
        assert spec.format == SpecFormat.GRAPHQL and len(spec.operations) == 5


def test_graphql_syntax_error_names_line_and_column():
    with pytest.raises(SpecError) as err:
        parse_bytes("bad.graphql", b"type Query {\n  a: String\n  b(: Int\n}\n")
    assert str(err.value).startswith("bad.graphql: GraphQL syntax error at line 3, column ")


MARKDOWN = """# Widgets API

Base URL: https://api.widgets.test

## Widgets

### List widgets

`GET /v1/widgets?limit=10`

```bash
curl https://api.widgets.test/v1/widgets
# this is a comment, not a heading
```

### Delete a widget

DELETE /v1/widgets/:id
"""


def test_markdown_sections_and_endpoints():
    spec = parse_bytes("widgets.md", MARKDOWN.encode())
    assert spec.format == SpecFormat.MARKDOWN and spec.title == "Widgets API"
    assert [d.heading_path for d in spec.docs] == [("Widgets API",), ("Widgets API", "Widgets"),
                                                   ("Widgets API", "Widgets", "List widgets"),
                                                   ("Widgets API", "Widgets", "Delete a widget")]
    listing = spec.operation("GET /v1/widgets")
    assert listing.summary == "List widgets" and listing.parameters[0].name == "limit"
    assert listing.pointer == "#L9"
    assert spec.operation("DELETE /v1/widgets/{id}").parameters[0].location == "path"
    assert "# this is a comment" in spec.docs[2].text


def test_fenced_code_is_never_split():
    code = "\n".join(f"line {i}" + "x" * 60 for i in range(400))
    text = "# Big\n\n" + "para\n\n" * 50 + "```python\n" + code.replace("line 10", "\nline 10") + "\n```\n\nafter\n\n" + "tail text\n\n" * 3000
    spec = parse_bytes("big.md", text.encode())
    holding = [d for d in spec.docs if "line 0" in d.text]
    assert len(holding) == 1 and "line 399" in holding[0].text and holding[0].text.count("```") == 2
    assert len(spec.docs) > 3


def test_plain_text_without_headings():
    spec = parse_bytes("notes.txt", b"Some notes about the API.\nPOST /v2/orders creates an order.\n")
    assert spec.format == SpecFormat.MARKDOWN and [o.key for o in spec.operations] == ["POST /v2/orders"]
