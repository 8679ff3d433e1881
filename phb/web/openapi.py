"""The OpenAPI document: security schemes, and the problem+json error responses every operation can give.

Litestar documents each handler's success response; the errors come from phb's own exception handlers
(:mod:`phb.web.errors`), so they are added to every operation here, once, when the app starts.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar._openapi.schema_generation import SchemaCreator
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition
from moneyed import Money

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.OBJECT,
            additional_properties=Schema(type=OpenAPIType.STRING),
            description="A message for each field that was refused, keyed by the field's name",
        ),
        "current": Schema(type=OpenAPIType.OBJECT, description="With 409: what the record holds now"),
    },
)
ERRORS = {
    "400": "The request is malformed; `errors` names each field",
    "401": "Not signed in, or the token is unknown, expired or revoked",
    "403": "Signed in, but not allowed to do this",
    "404": "No such record, or not one you may see",
    "405": "Method not allowed",
    "409": "Someone else changed the record first; `current` shows what it holds",
    "422": "The request breaks a rule; `errors` names each field",
}


def add_problem_responses(app: Litestar) -> None:
    """On startup: document the problem+json errors on every API operation."""
    schema = app.openapi_schema
    for path, item in (schema.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in (item.get, item.post, item.put, item.patch, item.delete):
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for code, description in ERRORS.items():
                responses[code] = OpenAPIResponse(
                    description=description, content={"application/problem+json": OpenAPIMediaType(schema=PROBLEM)}
                )
            operation.responses = responses


class MoneySchemaPlugin(OpenAPISchemaPlugin):
    """Describe ``moneyed.Money`` in the OpenAPI document as what the API sends and takes: "1234.50" in GBP.

    Every area's schemas carry Money; without this, Litestar documents it as an untyped value and an optional
    amount becomes an ambiguous ``oneOf`` that no response can satisfy.
    """

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:  # noqa: ANN401 - any annotation
        """Money, however it is annotated."""
        return value is Money

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        """A string of pounds and pence."""
        del field_definition, schema_creator
        return Schema(
            type=OpenAPIType.STRING,
            pattern=r"^-?\d+\.\d{2}$",
            description="An amount in pounds and pence (GBP), exact to the penny",
            examples=["189.00"],
        )
