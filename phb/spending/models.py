"""Direct-payment accounts, imported statements, their transactions, and the findings the team works.

Statement transactions arrive in bulk (up to a million lines a file) through SQLAlchemy Core, so they are not
:class:`~phb.audit.models.Audited` row by row: each import writes one explicit audit event with its counts and
the file's SHA-256 instead. Findings are created in bulk by an import too (recorded in that event), and every
change a person makes to one afterwards goes through the ORM and is audited like any other record.
"""

from __future__ import annotations

import datetime as dt

from moneyed import Money
from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from phb.audit.models import Audited
from phb.db import Base, MoneyType, UTCDateTime, VersionedMixin, utcnow

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements only INTEGER PRIMARY KEY


class DirectPaymentAccount(VersionedMixin, Audited, Base):
    """The separate account (bank account or prepaid card) a person's direct payment is paid into."""

    __tablename__ = "dp_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "bank_account" | "prepaid_card"
    name: Mapped[str] = mapped_column(String(120))
    provider: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str | None] = mapped_column(String(40))  # last digits of the account or card only
    opened_on: Mapped[dt.date] = mapped_column(Date)
    opening_balance: Mapped[Money] = mapped_column(MoneyType)
    # The regular direct payment per week, for the surplus rule; None: worked out from the budget sheet.
    weekly_payment: Mapped[Money | None] = mapped_column(MoneyType)
    surplus_threshold_weeks: Mapped[int] = mapped_column(default=8)
    default_profile: Mapped[str] = mapped_column(String(40), default="generic")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConnectedPerson(Audited, Base):
    """A family member or friend in the same household whom the account pays; allowed only when the plan agrees."""

    __tablename__ = "dp_connected_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("dp_accounts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(100))
    payee_pattern: Mapped[str] = mapped_column(String(200))  # words that identify them on a statement
    agreement: Mapped[str | None] = mapped_column(Text)  # what the plan records that allows the payments
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    plan_reference: Mapped[str | None] = mapped_column(String(120))


class Commitment(VersionedMixin, Audited, Base):
    """Money already committed from the account: wages due, an invoice received but not yet paid."""

    __tablename__ = "dp_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("dp_accounts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "wages_due" | "invoice_unpaid"
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Money] = mapped_column(MoneyType)
    due_on: Mapped[dt.date] = mapped_column(Date)
    settled_on: Mapped[dt.date | None] = mapped_column(Date)


class StatementImport(Base):
    """One statement file imported into an account: what it held, what was added, whether it reconciled."""

    __tablename__ = "dp_statement_imports"
    __table_args__ = (
        Index("ix_dp_statement_imports_account_id_file_sha256", "account_id", "file_sha256"),
        # What a statement line's (import, account) key refers to. A unique index, not a constraint: adding it
        # changes no table, where a constraint would make SQLite rebuild the table that every line refers to.
        Index("ix_dp_statement_imports_id_account_id", "id", "account_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("dp_accounts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    profile: Mapped[str] = mapped_column(String(40))
    rules_version: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_by_name: Mapped[str] = mapped_column(String(200))
    lines_read: Mapped[int] = mapped_column(default=0)
    lines_added: Mapped[int] = mapped_column(default=0)
    lines_flagged: Mapped[int] = mapped_column(default=0)
    first_date: Mapped[dt.date | None] = mapped_column(Date)
    last_date: Mapped[dt.date | None] = mapped_column(Date)
    reconciliation: Mapped[str] = mapped_column(String(20))  # "reconciled" | "mismatch" | "no_balance"
    reconciliation_notes: Mapped[str | None] = mapped_column(Text)
    findings_raised: Mapped[int] = mapped_column(default=0)


class StatementTransaction(Base):
    """One statement line. ``row_key`` identifies it within its account, so a re-import adds nothing.

    ``amount`` is negative for money out. A debit carries its flag (exclusion category or connected person, with
    the rule id and the rules version) and how it was matched to the budget sheet.
    """

    __tablename__ = "dp_transactions"
    __table_args__ = (
        # The row key covers the date, so (account, date, key) is as unique as (account, key); leading with the
        # date keeps a statement's inserts near the end of the index (statements run in date order) instead of at
        # random places, and the same index serves "an account's lines by date". The import index grows at its
        # end too (imports and ids only increase): an index on a random column (payee) cost a bulk import a
        # quarter of its time, so lines are grouped by payee from an import's rows instead.
        UniqueConstraint("account_id", "posted_on", "row_key"),
        # One foreign key for both: a line belongs to an import of its own account (which a pair of keys did not
        # say), and PostgreSQL runs one referential check per inserted line instead of two, a third of a
        # million-line COPY's server time. Deleting an account deletes its imports, and they their lines.
        ForeignKeyConstraint(
            ["import_id", "account_id"],
            ["dp_statement_imports.id", "dp_statement_imports.account_id"],
            ondelete="CASCADE",
        ),
        Index("ix_dp_transactions_import_id", "import_id"),
        # Flagged lines (about 1 %) are found without reading the whole import: findings are raised from them.
        Index(
            "ix_dp_transactions_flagged",
            "import_id",
            sqlite_where=text("flag_category IS NOT NULL"),
            postgresql_where=text("flag_category IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    account_id: Mapped[int]  # with import_id, a foreign key to the import (above)
    import_id: Mapped[int]
    line_number: Mapped[int]
    posted_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    payee: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Money] = mapped_column(MoneyType)
    balance: Mapped[Money | None] = mapped_column(MoneyType)
    mcc: Mapped[str | None] = mapped_column(String(4))
    row_key: Mapped[int] = mapped_column(BigInteger)  # phb.spending.statements.row_key
    flag_category: Mapped[str | None] = mapped_column(String(30))
    flag_reason: Mapped[str | None] = mapped_column(Text)
    flag_rule_id: Mapped[str | None] = mapped_column(String(80))
    flag_rules_version: Mapped[str | None] = mapped_column(String(40))
    match_status: Mapped[str | None] = mapped_column(String(20))  # "matched" | "unplanned"; None for credits
    budget_line_id: Mapped[int | None]  # budget_sheet_lines.id (no FK: the budgets branch migrates separately)
    match_reason: Mapped[str | None] = mapped_column(String(300))


class PayeeRule(Audited, Base):
    """A payee the team matched to a budget sheet line once; later debits to that payee match the same line."""

    __tablename__ = "dp_payee_rules"
    __table_args__ = (UniqueConstraint("person_id", "payee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    payee: Mapped[str] = mapped_column(String(300))
    budget_line_id: Mapped[int]
    budget_line_description: Mapped[str] = mapped_column(String(300))
    learnt_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    learnt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Finding(VersionedMixin, Audited, Base):
    """Something on a statement a person must look at: a flagged debit, unplanned spending, or a surplus."""

    __tablename__ = "dp_findings"
    __table_args__ = (
        Index("ix_dp_findings_status_due_on", "status", "due_on"),
        # The queue's default order: its first page is the first 25 entries with an open status.
        Index("ix_dp_findings_due_on_id_status", "due_on", "id", "status"),
        # The queue sorted by amount or by date raised: walked backwards, a page reads its own rows, not them all.
        Index("ix_dp_findings_amount_id", "amount", "id"),
        Index("ix_dp_findings_raised_on_id", "raised_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("dp_accounts.id", ondelete="CASCADE"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("dp_statement_imports.id", ondelete="SET NULL"))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("dp_transactions.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))  # "exclusion" | "connected_person" | "unplanned" | "surplus"
    category: Mapped[str] = mapped_column(String(30))
    payee: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    amount: Mapped[Money] = mapped_column(MoneyType)
    line_count: Mapped[int] = mapped_column(default=1)
    first_date: Mapped[dt.date | None] = mapped_column(Date)
    last_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | queried | explained | resolved
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    query: Mapped[str | None] = mapped_column(Text)
    queried_on: Mapped[dt.date | None] = mapped_column(Date)
    explanation: Mapped[str | None] = mapped_column(Text)
    explained_on: Mapped[dt.date | None] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(String(30))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recovery_amount: Mapped[Money | None] = mapped_column(MoneyType)
    recovery_ground: Mapped[str | None] = mapped_column(String(1))  # reg 15 (a)-(f)
    repay_within_days: Mapped[int | None]
    repay_by: Mapped[str | None] = mapped_column(String(200))  # who must repay
    decision_request_id: Mapped[int | None]  # governance decision_requests.id, when one was raised
    referral_note: Mapped[str | None] = mapped_column(Text)  # a referral recorded while governance was absent
