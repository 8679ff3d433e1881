"""Direct payment spending pages: a person's accounts, statement uploads, the findings queue and the audit report."""

from __future__ import annotations

import datetime as dt
from typing import IO, Annotated, Any, cast

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Response, Template
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor
from phb.budgets.rules import budget_year
from phb.errors import ConflictError, ValidationFailedError
from phb.people import services as people
from phb.people.rules import format_nhs_number
from phb.spending import findings, reports, services
from phb.spending.exceptions import MalformedStatement
from phb.spending.importer import OFX, import_statement
from phb.spending.planning import REG15_GROUNDS
from phb.spending.rules import CATEGORIES
from phb.spending.schemas import (
    LABELS,
    AccountCreate,
    AssignInput,
    CommitmentCreate,
    ConnectedPersonCreate,
    ExplanationInput,
    QueryInput,
    Resolution,
    ResolutionInput,
)
from phb.spending.statements import PROFILES
from phb.spending.year_money import year_money
from phb.web.documents import download, pdf_response
from phb.web.forms import FormData, clean_form, parse_form
from phb.web.rendering import redirect, render
from phb.web.security import require_staff

UploadForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

MAX_UPLOAD_BYTES = (
    25 * 1024 * 1024
)  # a quarter's statement is kilobytes; bigger files go through `phb statements import`
UPLOAD_TYPES = {".csv": "csv", ".txt": "csv", ".ofx": "ofx", ".qfx": "ofx"}
PROFILE_CHOICES = [(p.name, p.label) for p in PROFILES.values()] + [(OFX, "OFX file (any bank)")]
CHOICES = {
    "kind": [("bank_account", "Bank account"), ("prepaid_card", "Prepaid card")],
    "profile": PROFILE_CHOICES,
    "commitment_kind": [("wages_due", "Wages due"), ("invoice_unpaid", "Invoice received, not yet paid")],
    "resolution": [(r.value, LABELS[r.value]) for r in Resolution],
    "ground": [(k, f"({k}) {v}") for k, v in REG15_GROUNDS.items()],
    "status": [
        ("open", "Not resolved"),
        ("queried", "Queried"),
        ("explained", "Explanation received"),
        ("resolved", "Resolved"),
        ("all", "All"),
    ],
    "category": [
        ("", "Any"),
        ("unplanned", "Unplanned spending"),
        ("connected_person", "Connected person"),
        ("surplus", "Surplus"),
        *((c, c.replace("_", " ").capitalize()) for c in CATEGORIES),
    ],
    "sort": [("due", "Due date"), ("amount", "Amount, largest first"), ("raised", "Newest"), ("person", "Person")],
}
DEFAULT_PERIOD_DAYS = 91


def _period(start: str, end: str) -> tuple[dt.date, dt.date]:
    today = clock.today()
    try:
        end_on = dt.date.fromisoformat(end) if end else today
        start_on = dt.date.fromisoformat(start) if start else end_on - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    except ValueError as exc:
        raise ValidationFailedError({"start": "Enter the period as real dates"}) from exc
    return start_on, end_on


def _context(**extra: Any) -> dict[str, Any]:  # noqa: ANN401
    return {"labels": LABELS, "choices": CHOICES, "format_nhs_number": format_nhs_number, **extra}


class SpendingController(Controller):
    """A person's direct-payment accounts (staff only; changes need the direct payments team's permission)."""

    path = "/people/{person_id:int}/spending"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def overview(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int) -> Template:
        """Accounts and their money, this year's direct payments and whether each arrived, a new account, the report."""
        person = people.person_detail(db_session, actor, person_id)
        accounts = services.accounts(db_session, actor, person_id)
        start, end = _period("", "")
        today = clock.today()
        year_start, year_end = budget_year(today)
        year = year_money(db_session, actor, person_id, year_start, year_end, today)
        context = _context(person=person, accounts=accounts, form={}, errors={}, start=start, end=end, year=year)
        return render(request, "spending/person.html", context)

    @post("/accounts", sync_to_thread=True)
    def create_account(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
    ) -> Response[Any]:
        """Record a direct-payment account."""
        person = people.person_detail(db_session, actor, person_id)
        parsed, errors = parse_form(AccountCreate, data)
        if parsed is not None:
            try:
                account = services.create_account(db_session, actor, person_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person_id}/spending/accounts/{account.id}")
        accounts = services.accounts(db_session, actor, person_id)
        start, end = _period("", "")
        context = _context(person=person, accounts=accounts, form=data, errors=errors, start=start, end=end)
        return render(request, "spending/person.html", context, status_code=422, blocks=["account-form"])

    def _account_context(
        self, db_session: Session, actor: Actor, person_id: int, account_id: int, show: str, start: str, end: str
    ) -> dict[str, Any]:
        person = people.person_detail(db_session, actor, person_id)
        summary = services.account_summary(db_session, actor, person_id, account_id)
        start_on, end_on = _period(start, end)
        lines, total = services.transactions(db_session, actor, person_id, account_id, show=show)
        by_line, by_category = services.spend_against_plan(db_session, actor, person_id, start_on, end_on)
        history = services.balance_history(db_session, actor, person_id, account_id)
        return _context(
            person=person,
            summary=summary,
            account=summary.account,
            transactions=lines,
            transactions_total=total,
            show=show,
            start=start_on,
            end=end_on,
            by_line=by_line,
            by_category=by_category,
            history=history,
            chart=_balance_chart(history),
            imports=services.imports(db_session, actor, person_id, account_id),
            commitments=services.commitments(db_session, actor, person_id, account_id),
            connected=services.connected_people(db_session, actor, person_id, account_id),
            sheet=services.sheet_lines(db_session, actor, person_id),
            form={"profile": summary.account.default_profile},
            errors={},
        )

    @get("/accounts/{account_id:int}", sync_to_thread=True)
    def account(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        account_id: int,
        show: str = "all",
        start: str = "",
        end: str = "",
    ) -> Template:
        """An account: money picture, balance over time, spend against the budget sheet, statements and lines."""
        context = self._account_context(db_session, actor, person_id, account_id, show, start, end)
        return render(request, "spending/account.html", context, blocks=["transactions", "spend"])

    @post("/accounts/{account_id:int}/imports", sync_to_thread=True, request_max_body_size=MAX_UPLOAD_BYTES + 65536)
    def upload(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        account_id: int,
        data: UploadForm,
    ) -> Response[Any]:
        """Import an uploaded statement (CSV or OFX); a malformed file is refused naming the line, nothing saved."""
        services.account_summary(db_session, actor, person_id, account_id)  # 404 before looking at the upload
        form = clean_form(data)
        upload = form.pop("file", None)
        profile = str(form.get("profile") or "generic")
        errors: dict[str, str] = {}
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors["file"] = "Choose a statement file to upload"
        else:
            errors = _check_upload(upload, profile)
        if not errors:
            assert isinstance(upload, UploadFile)  # noqa: S101 - checked above
            try:
                result = import_statement(
                    db_session,
                    actor,
                    account_id,
                    cast("IO[bytes]", upload.file),
                    filename=upload.filename,
                    profile=profile,
                    person_id=person_id,
                )
            except MalformedStatement as exc:
                errors["file"] = f"The file was not imported: {exc}. Nothing was saved."
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                person = people.person_detail(db_session, actor, person_id)
                return render(
                    request,
                    "spending/import_result.html",
                    _context(person=person, result=result, account_id=account_id),
                )
        context = self._account_context(db_session, actor, person_id, account_id, "all", "", "")
        context |= {"form": form, "errors": errors}
        return render(request, "spending/account.html", context, status_code=422, blocks=["upload-form"])

    @post("/accounts/{account_id:int}/commitments", sync_to_thread=True)
    def add_commitment(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        account_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Record wages due or an unpaid invoice."""
        form = clean_form(data)
        form["kind"] = form.pop("commitment_kind", form.get("kind"))
        parsed, errors = parse_form(CommitmentCreate, form)
        status = 422
        if parsed is not None:
            try:
                services.add_commitment(db_session, actor, person_id, account_id, parsed)
            except ConflictError as exc:  # the same form twice (a double click): nothing new, and it says so
                errors, status = {"description": str(exc)}, 409
            else:
                return redirect(request, f"/people/{person_id}/spending/accounts/{account_id}#commitments")
        context = self._account_context(db_session, actor, person_id, account_id, "all", "", "")
        context |= {"commitment_form": data, "commitment_errors": errors}
        return render(request, "spending/account.html", context, status_code=status, blocks=["commitment-form"])

    @post("/accounts/{account_id:int}/commitments/{commitment_id:int}/settle", sync_to_thread=True)
    def settle(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        account_id: int,
        commitment_id: int,
    ) -> Response[Any]:
        """Mark a commitment paid."""
        services.settle_commitment(db_session, actor, person_id, account_id, commitment_id)
        return redirect(request, f"/people/{person_id}/spending/accounts/{account_id}#commitments")

    @post("/accounts/{account_id:int}/connected-people", sync_to_thread=True)
    def add_connected(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        account_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Record a connected person the account pays, and the plan's agreement if there is one."""
        parsed, errors = parse_form(ConnectedPersonCreate, data)
        if parsed is not None:
            try:
                services.add_connected_person(db_session, actor, person_id, account_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return redirect(request, f"/people/{person_id}/spending/accounts/{account_id}#connected")
        context = self._account_context(db_session, actor, person_id, account_id, "all", "", "")
        context |= {"connected_form": data, "connected_errors": errors}
        return render(request, "spending/account.html", context, status_code=422, blocks=["connected-form"])

    @post("/accounts/{account_id:int}/transactions/{transaction_id:int}/match", sync_to_thread=True)
    def match(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        account_id: int,
        transaction_id: int,
        data: FormData,
    ) -> Response[Any]:
        """Match a debit to a budget sheet line by hand; the payee rule is learnt for next time."""
        line = str(data.get("budget_line_id") or "")
        if not line.isdigit():
            raise ValidationFailedError({"budget_line_id": "Choose a line of the budget sheet"})
        services.match_transaction(db_session, actor, person_id, account_id, transaction_id, int(line))
        return redirect(request, f"/people/{person_id}/spending/accounts/{account_id}?show=unplanned")

    @get("/report", sync_to_thread=True)
    def report(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        person_id: int,
        start: str = "",
        end: str = "",
        format: str = "html",  # noqa: A002 - the query parameter people see in the address
    ) -> Response[Any]:
        """The audit report for a period: as a page, or downloaded as CSV, XLSX or PDF."""
        start_on, end_on = _period(start, end)
        built = reports.audit_report(db_session, actor, person_id, start_on, end_on)
        stem = f"spending-audit-{built.nhs_number}-{start_on:%Y%m%d}-{end_on:%Y%m%d}"
        if format == "csv":
            return download(reports.to_csv(built).encode(), "text/csv; charset=utf-8", f"{stem}.csv")
        if format == "xlsx":
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return download(reports.to_xlsx(built), media, f"{stem}.xlsx")
        context = _context(report=built, person_id=person_id)
        if format == "pdf":
            return pdf_response(request, "spending/report.html", {**context, "pdf": True}, f"{stem}.pdf")
        return render(request, "spending/report.html", context)


def _check_upload(upload: UploadFile, profile: str) -> dict[str, str]:
    """Size, type and layout checks before a byte is imported."""
    name = upload.filename.lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    kind = UPLOAD_TYPES.get(suffix)
    source = upload.file
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    head = source.read(512)
    source.seek(0)
    if kind is None:
        return {"file": "The file must be a CSV or OFX statement (.csv or .ofx)"}
    if size == 0:
        return {"file": "The file is empty"}
    if size > MAX_UPLOAD_BYTES:
        return {"file": f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"}
    if profile not in {*PROFILES, OFX}:
        return {"profile": "Choose the layout of the statement"}
    if (kind == "ofx") != (profile == OFX):
        return {"profile": "Choose 'OFX file' for an .ofx file, or a CSV layout for a .csv file"}
    if b"\x00" in head:
        return {"file": "The file is not a text statement (it looks like a binary file)"}
    return {}


def _balance_chart(history: list[Any]) -> dict[str, Any]:
    """Points of an SVG polyline (presentation attributes only: the CSP forbids inline styles)."""
    if len(history) < 2:  # noqa: PLR2004 - a line needs two points
        return {"points": "", "width": 600, "height": 160}
    values = [int(p.balance.amount * 100) for p in history]
    low, high = min(0, *values), max(values) or 1
    width, height = 600, 160
    step = width / (len(values) - 1)
    points = " ".join(
        f"{round(i * step, 1)},{round(height - (v - low) * height / (high - low or 1), 1)}"
        for i, v in enumerate(values)
    )
    zero = round(height - (0 - low) * height / (high - low or 1), 1)
    return {"points": points, "width": width, "height": height, "zero": zero}


class FindingsController(Controller):
    """The direct payments team's findings: the queue and each finding's workflow."""

    path = "/findings"
    guards = [require_staff]  # noqa: RUF012
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db_session: Session,
        status: str = "open",
        category: str = "",
        owner: str = "",
        overdue: str = "",
        sort: str = "due",
        page: int = 1,
        person: int | None = None,
        account: int | None = None,
    ) -> Template:
        """Findings to work, filtered and sorted; the filter form updates the results in place (HTMX) or reloads.

        ``person`` (and ``account``, one of theirs) keep one person's findings: their findings view, reached from
        their spending page. Someone the actor may not see is "Page not found", not an empty list with a name.
        """
        about = None
        if person is not None:
            about = people.person_detail(db_session, actor, person)
            if account is not None:
                services.account_summary(db_session, actor, person, account)  # 404 unless it is one of theirs
        result = findings.queue(
            db_session,
            actor,
            status=status,
            category=category,
            owner=owner,
            overdue=bool(overdue),
            person_id=person,
            account_id=account if person is not None else None,
            sort=sort,
            page=page,
        )
        filters: dict[str, Any] = {
            "status": status,
            "category": category,
            "owner": owner,
            "overdue": overdue,
            "sort": sort,
        }
        if about is not None:  # only when set: an empty "person=" is not a number
            filters["person"] = about.id
            if account is not None:
                filters["account"] = account
        context = _context(result=result, filters=filters, team=findings.team(db_session, actor), about=about)
        return render(request, "spending/findings.html", context, blocks=["findings-results"])

    def _detail(self, db_session: Session, actor: Actor, finding_id: int, **extra: Any) -> dict[str, Any]:  # noqa: ANN401
        finding = findings.detail(db_session, actor, finding_id)
        return _context(finding=finding, team=findings.team(db_session, actor), **({"form": {}, "errors": {}} | extra))

    @get("/{finding_id:int}", sync_to_thread=True)
    def finding(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int) -> Template:
        """A finding: the lines behind it, the conversation with the budget holder, and resolving it."""
        return render(request, "spending/finding.html", self._detail(db_session, actor, finding_id))

    def _act(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        actor: Actor,
        finding_id: int,
        model: type[Any],
        data: dict[str, Any],
        action: Any,  # noqa: ANN401
    ) -> Response[Any]:
        parsed, errors = parse_form(model, data)
        status = 422
        if parsed is not None:
            try:
                action(db_session, actor, finding_id, parsed)
            except ValidationFailedError as exc:
                errors = exc.errors
            except ConflictError as exc:
                errors, status = {"version": str(exc)}, 409
            else:
                return redirect(request, f"/findings/{finding_id}")
        context = self._detail(db_session, actor, finding_id, form=clean_form(data), errors=errors)
        return render(request, "spending/finding.html", context, status_code=status, blocks=["finding-actions"])

    @post("/{finding_id:int}/assign", sync_to_thread=True)
    def assign(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int, data: FormData
    ) -> Response[Any]:
        """Give the finding an owner and a due date."""
        return self._act(request, db_session, actor, finding_id, AssignInput, data, findings.assign)

    @post("/{finding_id:int}/query", sync_to_thread=True)
    def query(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int, data: FormData
    ) -> Response[Any]:
        """Record the question put to the budget holder."""
        return self._act(request, db_session, actor, finding_id, QueryInput, data, findings.query_holder)

    @post("/{finding_id:int}/explanation", sync_to_thread=True)
    def explanation(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int, data: FormData
    ) -> Response[Any]:
        """Record the budget holder's explanation."""
        return self._act(request, db_session, actor, finding_id, ExplanationInput, data, findings.record_explanation)

    @post("/{finding_id:int}/resolve", sync_to_thread=True)
    def resolve(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int, data: FormData
    ) -> Response[Any]:
        """Resolve the finding; recovery and referral are sent to governance for a decision."""
        return self._act(request, db_session, actor, finding_id, ResolutionInput, data, findings.resolve)

    @post("/{finding_id:int}/flexible-spend", sync_to_thread=True)
    def flexible_spend(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int, data: FormData
    ) -> Response[Any]:
        """Send unplanned spending as an 'agreeing flexible budget spend' decision."""
        version = str(data.get("version") or "")
        if not version.isdigit():
            raise ValidationFailedError({"version": "Reload the finding and try again"})
        findings.refer_flexible_spend(db_session, actor, finding_id, int(version))
        return redirect(request, f"/findings/{finding_id}")

    @get("/{finding_id:int}/notice", sync_to_thread=True)
    def notice(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, finding_id: int) -> Template:
        """The repayment notice: reasons, amount, time allowed and who must repay."""
        notice = findings.repayment_notice(db_session, actor, finding_id)
        return render(request, "spending/notice.html", _context(notice=notice))


ROUTES = [SpendingController, FindingsController]
