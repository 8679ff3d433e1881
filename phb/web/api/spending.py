"""JSON API for direct payment spending and findings: the same services and access checks as the pages."""

from __future__ import annotations

from typing import IO, Annotated, Any, cast

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.status_codes import HTTP_201_CREATED
from pydantic import BaseModel
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.errors import ValidationFailedError
from phb.people.schemas import Page
from phb.spending import findings, services
from phb.spending.exceptions import MalformedStatement
from phb.spending.importer import import_statement
from phb.spending.schemas import (
    AccountCreate,
    AccountRead,
    AccountSummary,
    AssignInput,
    CommitmentCreate,
    CommitmentRead,
    ConnectedPersonCreate,
    ConnectedPersonRead,
    ExplanationInput,
    FindingRead,
    FindingRow,
    QueryInput,
    ResolutionInput,
    TransactionRead,
)
from phb.web.pages.spending import MAX_UPLOAD_BYTES, _check_upload
from phb.web.security import require_staff

UploadForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


class ImportOut(BaseModel):
    """What an import did."""

    import_id: int | None
    lines_read: int
    lines_added: int
    duplicates: int
    lines_flagged: int
    findings_raised: int
    reconciliation: str
    notes: list[str]
    same_file: bool
    file_sha256: str


class TransactionsOut(BaseModel):
    """A page of statement lines."""

    items: list[TransactionRead]
    total: int


class SpendingApiController(Controller):
    """A person's direct-payment accounts."""

    path = "/api/v1/people/{person_id:int}/spending"
    tags = ["spending"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def accounts(self, actor: Actor, db_session: Session, person_id: int) -> list[AccountSummary]:
        """Accounts with balance, commitments, available balance and the surplus check."""
        return services.accounts(db_session, actor, person_id)

    @post("/accounts", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def create_account(self, actor: Actor, db_session: Session, person_id: int, data: AccountCreate) -> AccountRead:
        """Record an account (direct payments team)."""
        return services.create_account(db_session, actor, person_id, data)

    @get("/accounts/{account_id:int}/transactions", sync_to_thread=True)
    def transactions(
        self, actor: Actor, db_session: Session, person_id: int, account_id: int, show: str = "all", page: int = 1
    ) -> TransactionsOut:
        """Statement lines, newest first; ``show`` is all, flagged or unplanned."""
        items, total = services.transactions(db_session, actor, person_id, account_id, show=show, page=page)
        return TransactionsOut(items=items, total=total)

    @post(
        "/accounts/{account_id:int}/imports",
        status_code=HTTP_201_CREATED,
        sync_to_thread=True,
        request_max_body_size=MAX_UPLOAD_BYTES + 65536,
    )
    def import_file(
        self, actor: Actor, db_session: Session, person_id: int, account_id: int, data: UploadForm
    ) -> ImportOut:
        """Import a statement (multipart: ``file`` and ``profile``); 422 naming the line for a malformed file."""
        services.account_summary(db_session, actor, person_id, account_id)
        upload = data.get("file")
        profile = str(data.get("profile") or "generic")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailedError({"file": "Send the statement as the multipart field 'file'"})
        if errors := _check_upload(upload, profile):
            raise ValidationFailedError(errors)
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
            raise ValidationFailedError({"file": f"{exc}; nothing was saved"}) from exc
        return ImportOut(
            import_id=result.import_id,
            lines_read=result.lines_read,
            lines_added=result.lines_added,
            duplicates=result.duplicates,
            lines_flagged=result.lines_flagged,
            findings_raised=result.findings_raised,
            reconciliation=result.reconciliation,
            notes=result.notes,
            same_file=result.same_file,
            file_sha256=result.file_sha256,
        )

    @post("/accounts/{account_id:int}/commitments", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_commitment(
        self, actor: Actor, db_session: Session, person_id: int, account_id: int, data: CommitmentCreate
    ) -> CommitmentRead:
        """Record wages due or an unpaid invoice."""
        return services.add_commitment(db_session, actor, person_id, account_id, data)

    @post("/accounts/{account_id:int}/connected-people", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_connected(
        self, actor: Actor, db_session: Session, person_id: int, account_id: int, data: ConnectedPersonCreate
    ) -> ConnectedPersonRead:
        """Record a connected person and, if the plan allows paying them, the agreement."""
        return services.add_connected_person(db_session, actor, person_id, account_id, data)


class FindingsApiController(Controller):
    """The findings queue and workflow."""

    path = "/api/v1/findings"
    tags = ["findings"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def queue(
        self,
        actor: Actor,
        db_session: Session,
        status: str = "open",
        category: str = "",
        owner: str = "",
        overdue: bool = False,
        sort: str = "due",
        page: int = 1,
        person_id: int | None = None,
        account_id: int | None = None,
    ) -> Page[FindingRow]:
        """Findings the caller may see, filtered and sorted; ``person_id`` / ``account_id`` keep one person's."""
        return findings.queue(
            db_session,
            actor,
            status=status,
            category=category,
            owner=owner,
            overdue=overdue,
            person_id=person_id,
            account_id=account_id,
            sort=sort,
            page=page,
        )

    @get("/{finding_id:int}", sync_to_thread=True)
    def finding(self, actor: Actor, db_session: Session, finding_id: int) -> FindingRead:
        """One finding with its lines and history."""
        return findings.detail(db_session, actor, finding_id)

    @post("/{finding_id:int}/assign", sync_to_thread=True)
    def assign(self, actor: Actor, db_session: Session, finding_id: int, data: AssignInput) -> FindingRead:
        """Set the owner and due date; 409 if ``version`` is stale."""
        findings.assign(db_session, actor, finding_id, data)
        return findings.detail(db_session, actor, finding_id)

    @post("/{finding_id:int}/query", sync_to_thread=True)
    def query(self, actor: Actor, db_session: Session, finding_id: int, data: QueryInput) -> FindingRead:
        """Record the question put to the budget holder."""
        findings.query_holder(db_session, actor, finding_id, data)
        return findings.detail(db_session, actor, finding_id)

    @post("/{finding_id:int}/explanation", sync_to_thread=True)
    def explanation(self, actor: Actor, db_session: Session, finding_id: int, data: ExplanationInput) -> FindingRead:
        """Record the budget holder's explanation."""
        findings.record_explanation(db_session, actor, finding_id, data)
        return findings.detail(db_session, actor, finding_id)

    @post("/{finding_id:int}/resolve", sync_to_thread=True)
    def resolve(self, actor: Actor, db_session: Session, finding_id: int, data: ResolutionInput) -> FindingRead:
        """Resolve; recovery and referral raise a governance decision request."""
        findings.resolve(db_session, actor, finding_id, data)
        return findings.detail(db_session, actor, finding_id)


ROUTES = [SpendingApiController, FindingsApiController]
