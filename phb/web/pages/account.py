"""Your own account: API tokens and password. Administrators manage everyone's accounts here too."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require
from phb.accounts import services, staff
from phb.accounts.models import User
from phb.accounts.rules import PORTAL_ROLES, ROLE_LABELS, Role
from phb.audit.services import AuditActor, act_as
from phb.config import Settings
from phb.errors import NotFoundError, ValidationFailedError
from phb.web.forms import FormData
from phb.web.rendering import redirect, render
from phb.web.security import client_address

STAFF_ROLES = [r for r in Role if r not in PORTAL_ROLES]


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
        days = str(data.get("days", ""))
        token = None
        if not errors:
            try:
                token = services.create_api_token(
                    db_session,
                    _user(db_session, actor.user_id),
                    name=name[:100],
                    days=int(days) if days.isdigit() else 0,
                    scope=str(data.get("scope", "")),
                )
            except ValidationFailedError as exc:
                errors = exc.errors
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
                keep_session=request.cookies.get(settings.session_cookie),
                ip_address=client_address(request, settings),
            )
        except ValidationFailedError as exc:
            # The failed check (it slows the next ones) must be kept although the response is an error.
            db_session.commit()
            context = {
                "tokens": services.list_api_tokens(db_session, actor.user_id),
                "errors": exc.errors,
                "new_token": None,
                "role_labels": ROLE_LABELS,
            }
            status = 429 if isinstance(exc, services.ThrottledError) else 422
            return render(request, "account/account.html", context, status_code=status)
        return redirect(request, "/account?changed=1")


def _roles_from(data: dict[str, Any]) -> list[Role]:
    raw = data.get("roles", [])
    try:
        return [Role(r) for r in (raw if isinstance(raw, list) else [raw]) if r]
    except ValueError as exc:
        raise ValidationFailedError({"roles": "Choose roles from the list"}) from exc


class AdminUsersController(Controller):
    """Administrators: invite staff, ask for roles, approve another administrator's requests, disable, unlock."""

    path = "/admin/users"
    include_in_schema = False

    def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        *,
        errors: dict[str, str] | None = None,
        form: dict[str, Any] | None = None,
        setup_link: str | None = None,
        status_code: int = 200,
    ) -> Template:
        users = list(db_session.scalars(select(User).order_by(User.username)))
        names = {u.id: u.username for u in users}
        failures = services.failed_sign_ins(db_session, list(names.values()), request.app.state["settings"])
        context = {
            "users": users,
            "names": names,
            "failures": failures,
            "pending": staff.pending_grants(db_session),
            "role_labels": ROLE_LABELS,
            "errors": errors or {},
            "form": form or {},
            "roles": STAFF_ROLES,
            "portal_roles": PORTAL_ROLES,
            "setup_link": setup_link,
            "setup_days": staff.SETUP_DAYS,
        }
        return render(request, "account/users.html", context, status_code=status_code)

    @get("/", sync_to_thread=True)
    def users(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Template:
        """Every account with its roles and state, and the role requests waiting for a second administrator."""
        require(db_session, actor, Permission.USER_ADMIN)
        return self._page(request, db_session)

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, data: FormData) -> Template:
        """Make an account: its roles wait for a second administrator, its owner sets the password from a link."""
        require(db_session, actor, Permission.USER_ADMIN)
        try:
            _, token = staff.invite_staff(
                db_session,
                actor,
                username=str(data.get("username", "")),
                display_name=str(data.get("display_name", "")),
                email=str(data.get("email", "")) or None,
                roles=_roles_from(data),
            )
        except ValidationFailedError as exc:
            return self._page(request, db_session, errors=exc.errors, form=data, status_code=422)
        link = f"{str(request.base_url).rstrip('/')}/setup/{token}"
        return self._page(request, db_session, setup_link=link, status_code=201)

    @post("/grants/{grant_id:int}/{decision:str}", sync_to_thread=True)
    def decide(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, grant_id: int, decision: str
    ) -> Response[Any]:
        """A second administrator approves or refuses a role request."""
        if decision not in {"approve", "refuse"}:
            raise NotFoundError("decision", decision)
        staff.decide_grant(db_session, actor, grant_id, approve=decision == "approve")
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
        """Disable, enable or unlock an account, or set the roles it should hold (additions need approval)."""
        require(db_session, actor, Permission.USER_ADMIN)
        user = _user(db_session, user_id)
        if action == "disable":
            if user.id == actor.user_id:
                raise ValidationFailedError({"user": "You cannot disable your own account"})
            services.disable_user(db_session, user, reason=str(data.get("reason") or "disabled by an administrator"))
        elif action == "enable":
            services.enable_user(db_session, user)
        elif action == "unlock":
            services.unlock(db_session, user, request.app.state["settings"])
        elif action == "roles":
            staff.request_roles(db_session, actor, user, _roles_from(data))
        else:
            raise NotFoundError("action", action)
        return redirect(request, "/admin/users")


class AccountSetupController(Controller):
    """A member of staff sets their own password from the one-time link (public: the link is the credential)."""

    path = "/setup"
    include_in_schema = False
    opt = {"public": True}  # noqa: RUF012

    @get("/{token:str}", sync_to_thread=True)
    def setup_page(self, request: Request[Any, Any, Any], db_session: Session, token: str) -> Template:
        """Choose your password."""
        setup = staff.open_setup(db_session, token)
        if request.scope.get("user") is not None:
            return render(request, "portal/invitation_signed_in.html", {})  # only its owner, signed out
        user = _user(db_session, setup.user_id)
        return render(request, "account/setup.html", {"errors": {}, "token": token, "username": user.username})

    @post("/{token:str}", sync_to_thread=True)
    def set_password(
        self, request: Request[Any, Any, Any], db_session: Session, token: str, data: FormData
    ) -> Response[Any]:
        """Set the password; the link stops working. Not from a signed-in session (the administrator's, say)."""
        staff.open_setup(db_session, token)
        if request.scope.get("user") is not None:
            return render(request, "portal/invitation_signed_in.html", {}, status_code=403)
        act_as(db_session, AuditActor(user_id=None, label="account setup"))
        password = str(data.get("password", ""))
        errors: dict[str, str] = {}
        if password != str(data.get("confirm_password", "")):
            errors["confirm_password"] = "The two passwords are not the same"  # noqa: S105 - a message
        if not errors:
            try:
                staff.complete_setup(db_session, token, password=password)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return Redirect(path="/login?welcome=1", status_code=303)
        user = _user(db_session, staff.open_setup(db_session, token).user_id)
        context = {"errors": errors, "token": token, "username": user.username}
        return render(request, "account/setup.html", context, status_code=422)


ROUTES = [AccountController, AdminUsersController, AccountSetupController]
