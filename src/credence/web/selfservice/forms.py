"""The forms the self-service pages post, as FastAPI reads them; every form carries the session's CSRF
token."""

from __future__ import annotations

from pydantic import BaseModel


class SignInForm(BaseModel):
    csrf: str = ""
    kind: str = "organisation"
    organisation: str = ""
    example: str = ""
    department: str = ""


class PasswordForm(BaseModel):
    csrf: str = ""
    username: str = ""
    password: str = ""


class PurposeForm(BaseModel):
    """A department reads an organisation's shared records for a purpose."""

    csrf: str = ""
    purpose: str = ""


class ObjectionForm(BaseModel):
    csrf: str = ""
    ground: str = "content"
    statement: str = ""
    repair_id: str = ""


class RepairForm(BaseModel):
    csrf: str = ""
    evidence: str = ""
    commitment: str = ""


class TextForm(BaseModel):
    """New information on an objection, an answer to a proposed listing."""

    csrf: str = ""
    text: str = ""
    hearing: str = ""


class AnswerForm(BaseModel):
    """A department's answer to an objection; a correctable field left out of the form is unchanged."""

    csrf: str = ""
    outcome: str = ""
    reason: str = ""
    subject_name: str | None = None
    severity: str | None = None
    decided_on: str | None = None
    legal_basis: str | None = None
    status: str | None = None
    amount: str | None = None
    currency: str | None = None
    summary: str | None = None
    effective_until: str | None = None


class DecisionForm(BaseModel):
    csrf: str = ""
    outcome: str = ""
    reason: str = ""
    hearing: str = ""


class DeliveryForm(BaseModel):
    csrf: str = ""
    channel: str = ""
