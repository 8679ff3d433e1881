"""Your own account: API tokens and password. Administrators manage everyone's accounts here too."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Response, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require
from phb.accounts import services
from phb.accounts.models import User
from phb.accounts.rules import ROLE_LABELS, Role
from phb.config import Settings
from phb.errors import NotFoundError, ValidationFailedError
from phb.web.rendering import redirect, render

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _user(db_session: Session, user_id: int) -> User:
    user = db_session.get(User, user_id)
    if user is None:
        raise NotFoundError("user", user_id)
    return user


class AccountController(Controller):
    """The signed-in user's own account."""

    path = "/account"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def account(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """Your roles, your API tokens, and forms to change your password or make a token."""
        context = {
            "tokens": services.list_api_tokens(db_session, actor.user_id),
            "errors": {},
            "new_token": None,
            "role_labels": ROLE_LABELS,
        }
        return render(request, "account/account.html", context)

    @post("/tokens", sync_to_thread=True)
    def create_token(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: FormData
    ) -> Template:
        """Make an API token; it is shown once on this page and never again."""
        name = str(data.get("name", "")).strip()
        errors = {} if name else {"name": "Enter a name for the token, like 'reporting script'"}
        token = None
        if not errors:
            token = services.create_api_token(db_session, _user(db_session, actor.user_id), name=name[:100])
        context = {
            "tokens": services.list_api_tokens(db_session, actor.user_id),
            "errors": errors,
            "new_token": token,
            "role_labels": ROLE_LABELS,
        }
        return render(request, "account/account.html", context, status_code=422 if errors else 201)

    @post("/tokens/{token_id:int}/revoke", sync_to_thread=True)
    def revoke_token(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, token_id: int
    ) -> Response[Any]:
        """Revoke one of your tokens."""
        services.revoke_api_token(db_session, actor.user_id, token_id)
        return redirect(request, "/account")

    @post("/password", sync_to_thread=True)
    def change_password(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: FormData
    ) -> Response[Any]:
        """Change your password."""
        settings: Settings = request.app.state["settings"]
        try:
            services.change_password(
                db_session,
                _user(db_session, actor.user_id),
                current=str(data.get("current_password", "")),
                new=str(data.get("new_password", "")),
                settings=settings,
            )
        except ValidationFailedError as exc:
            context = {
                "tokens": services.list_api_tokens(db_session, actor.user_id),
                "errors": exc.errors,
                "new_token": None,
                "role_labels": ROLE_LABELS,
            }
            return render(request, "account/account.html", context, status_code=422)
        return redirect(request, "/account?changed=1")


class AdminUsersController(Controller):
    """Administrators: create accounts, set roles, disable, re-enable and unlock."""

    path = "/admin/users"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def users(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """Every account with its roles and state."""
        require(db_session, actor, Permission.USER_ADMIN)
        users = list(db_session.scalars(select(User).order_by(User.username)))
        return render(
            request,
            "account/users.html",
            {"users": users, "role_labels": ROLE_LABELS, "errors": {}, "form": {}, "roles": list(Role)},
        )

    @post("/", sync_to_thread=True)
    def create(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        """Create an account with a first password the person changes on their account page."""
        require(db_session, actor, Permission.USER_ADMIN)
        raw_roles = data.get("roles", [])
        role_values = raw_roles if isinstance(raw_roles, list) else [raw_roles]
        try:
            roles = [Role(r) for r in role_values if r]
            services.create_user(
                db_session,
                username=str(data.get("username", "")),
                display_name=str(data.get("display_name", "")),
                password=str(data.get("password", "")),
                roles=roles,
                email=str(data.get("email", "")) or None,
            )
        except ValueError as exc:
            errors = exc.errors if isinstance(exc, ValidationFailedError) else {"roles": "Choose roles from the list"}
            users = list(db_session.scalars(select(User).order_by(User.username)))
            return render(
                request,
                "account/users.html",
                {"users": users, "role_labels": ROLE_LABELS, "errors": errors, "form": data, "roles": list(Role)},
                status_code=422,
            )
        return redirect(request, "/admin/users")

    @post("/{user_id:int}/{action:str}", sync_to_thread=True)
    def act(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        user_id: int,
        action: str,
        data: FormData,
    ) -> Response[Any]:
        """Disable, enable or unlock an account, or replace its roles."""
        require(db_session, actor, Permission.USER_ADMIN)
        user = _user(db_session, user_id)
        if action == "disable":
            if user.id == actor.user_id:
                raise ValidationFailedError({"user": "You cannot disable your own account"})
            services.disable_user(db_session, user, reason=str(data.get("reason") or "disabled by an administrator"))
        elif action == "enable":
            services.enable_user(db_session, user)
        elif action == "unlock":
            services.unlock(db_session, user)
        elif action == "roles":
            raw = data.get("roles", [])
            services.set_roles(db_session, user, [Role(r) for r in (raw if isinstance(raw, list) else [raw]) if r])
        else:
            raise NotFoundError("action", action)
        return redirect(request, "/admin/users")


ROUTES = [AccountController, AdminUsersController]
