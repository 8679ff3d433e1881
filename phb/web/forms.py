"""Turning submitted forms into validated pydantic models, with messages keyed by field for the error summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from litestar.enums import RequestEncodingType
from litestar.params import Body
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

# A submitted HTML form, as a handler receives it: `data: FormData`, then `parse_form(Model, data)`.
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

_FRIENDLY = {
    "missing": "Enter {label}",
    "date_from_datetime_parsing": "Enter {label} as a real date",
    "date_parsing": "Enter {label} as a real date",
    "date_type": "Enter {label} as a real date",
    "enum": "Choose {label} from the list",
    "int_parsing": "Enter {label} as a whole number",
    "decimal_parsing": "Enter {label} as a number",
    "string_too_short": "Enter {label}",
    "string_too_long": "{label_cap} is too long",
    "extra_forbidden": "This form does not take {label}: it is set from the record on the server",
}


def _label(field: str) -> str:
    return field.replace("_", " ")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field, in words a person can act on; the first error of a field wins."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "form"
        if field in errors:
            continue
        template = _FRIENDLY.get(error["type"])
        label = _label(field.rsplit(".", 1)[-1])
        if template:
            errors[field] = template.format(label=label, label_cap=label.capitalize())
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            errors[field] = message[:1].upper() + message[1:]
    return errors


def clean_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """Form fields without the CSRF token; empty strings stay (validators decide what blank means)."""
    return {k: v for k, v in data.items() if k != "_csrf_token"}


def parse_form(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, dict[str, str]]:
    """Validate ``data`` as ``model``: the model and no errors, or None and the errors by field."""
    try:
        return model.model_validate(clean_form(data)), {}
    except ValidationError as exc:
        return None, field_errors(exc)
