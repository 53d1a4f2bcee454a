"""What each API scope lets an application do, in words for the consent screen."""

from __future__ import annotations

from signoff.auth.scopes import Scope

SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.read_change_set: "See change sets and how far their pages are approved.",
    Scope.write_change_set: "Create, edit, archive and submit change sets.",
    Scope.read_approval: "See approval status, workflows and the approval queue.",
    Scope.write_approval: "Submit pages for approval and withdraw your submissions.",
    Scope.decide_approval: "Approve or reject pages in your name.",
    Scope.read_page: "Read pages and their versions.",
    Scope.write_page: "Create and edit pages.",
    Scope.manage_space: "Manage spaces, their members and workflows.",
    Scope.read_audit: "Read the audit trail and analytics.",
}


def describe(scope: str) -> str:
    return SCOPE_DESCRIPTIONS[Scope(scope)]
