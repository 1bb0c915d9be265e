"""The form (--form): add each imported subscriber who is active, in Kit and in the file, to a Kit form.

The form is found by name or id with one read before anything is written.

With OAuth, 100 additions a request by subscriber id (Kit's bulk form addition); with
an API key, one request per subscriber by email. Both need the upsert's answer first: the
subscriber's id and the state Kit holds. Nobody Kit holds as cancelled, bounced, complained or
inactive, and nobody the file says left, is ever added: a form addition must never read as
consent. Kit's page warns that adding to a double opt-in form sends each new subscriber the
form's incentive email.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from importer.errors import ConfigError, KitRequestError, KitUnavailableError
from importer.kit import (BULK_LIMIT, BulkResult, Form, FormAddition, KitClient, Subscriber, add_to_form,
                          bulk_add_to_form, form_member_emails, list_forms, match)
from importer.records import Contact, KitState, Outcome, STOPPED_BEFORE_SENDING
from importer.send.actions.base import (LEFT, Action, Count, Figures, MemberList, file_active, kit_active,
                                        per_request)
from importer.send.stages.base import Stage

if TYPE_CHECKING:
    from importer.decide.tally import Tally
    from importer.read.columns import ColumnPlan
    from importer.settings.declaration import Settings

NOT_ADDED = "not added to form"
FORM_WARNING = ("--form: adding subscribers to a double opt-in form makes Kit send each new one the form's "
                "incentive email (once per subscriber and form, Kit's page says). Only subscribers active in "
                "Kit and in the file are added.")


def form_key(form_id: int) -> str:
    """The run memory's mark of an addition to this form that Kit confirmed."""
    return f"form:{form_id}"


def wants_form(outcome: Outcome, form_id: int) -> bool:
    """Whether this contact goes into the form: active in Kit and in the file, not added in an earlier run."""
    contact = outcome.contact
    return outcome.kit_state is KitState.ACTIVE and contact.state in (None, KitState.ACTIVE) \
        and form_key(form_id) not in contact.confirmed and LEFT not in contact.confirmed


class _FormStage(Stage):
    """What both form stages share: which contacts go, and how a refusal or a stopped run is told."""

    needs_id = True

    def __init__(self, client: KitClient, form: Form, referrer: str | None = None) -> None:
        self.client = client
        self.form = form
        self.referrer = referrer or None

    def items(self, outcome: Outcome) -> list[Outcome]:
        return [outcome] if wants_form(outcome, self.form.id) else []

    def _refused(self, outcome: Outcome, message: str) -> None:
        outcome.problems.append((NOT_ADDED, f"{self.form.name}: {message}"))

    def abandon(self, outcome: Outcome, why: str) -> None:
        self._refused(outcome, f"{STOPPED_BEFORE_SENDING}: {why}")


class BulkFormAdditions(_FormStage):
    """Up to 100 additions a request, packed across subscribers as soon as their ids are known (OAuth)."""

    size = BULK_LIMIT  # Kit's bulk limit: requests are filled to it, never past it

    def send(self, batch: list[Outcome]) -> BulkResult[FormAddition]:
        return bulk_add_to_form(self.client, [FormAddition(self.form.id, o.subscriber_id, self.referrer)
                                              for o in batch])

    def settle(self, batch: list[Outcome], answer: BulkResult[FormAddition] | KitRequestError | KitUnavailableError
               ) -> None:
        """Confirmed by subscriber id; failures by subscriber id, or by elimination when Kit nulled it."""
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            for each in batch:
                self._refused(each, _reason(answer))
            return
        if answer.queued:
            return  # accepted, not confirmed: not journaled, so a later run sends it again (Kit ignores repeats)
        matched = match([o.subscriber_id for o in batch], [(a.subscriber_id, a) for a in answer.items],
                        [(f.item.subscriber_id, f) for f in answer.failures])
        for index, _ in matched.done:
            batch[index].done.append(form_key(self.form.id))
        for index, failure in matched.failed:
            self._refused(batch[index], failure.text)
        reasons = "; ".join(sorted({f.text for f in matched.unnamed})) or "Kit did not confirm the addition"
        for index in matched.left:
            self._refused(batch[index], reasons)


class SingleFormAdditions(_FormStage):
    """One addition a request, by email (API key: no bulk access)."""

    def send(self, batch: list[Outcome]) -> Subscriber:
        return add_to_form(self.client, self.form.id, batch[0].contact.email, self.referrer)

    def settle(self, batch: list[Outcome], answer: Subscriber | KitRequestError | KitUnavailableError) -> None:
        outcome = batch[0]
        if isinstance(answer, (KitRequestError, KitUnavailableError)):
            self._refused(outcome, _reason(answer))
        else:
            outcome.done.append(form_key(self.form.id))


def _reason(error: KitRequestError | KitUnavailableError) -> str:
    if isinstance(error, KitRequestError) and error.errors:
        return "; ".join(error.errors)
    return str(error)


def resolve_form(client: KitClient, wanted: str) -> Form:
    """The account's form named `wanted` (its name, ignoring case, or its id), read with one GET
    before anything is written; a ConfigError naming the closest forms when there is none."""
    forms = list_forms(client)
    text = wanted.strip()
    for form in forms:
        if text.isdigit() and form.id == int(text):
            return form
    named = [f for f in forms if f.name.strip().casefold() == text.casefold()]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        ids = ", ".join(str(f.id) for f in named)
        raise ConfigError(f"Kit has {len(named)} forms named {text!r} (ids {ids}).", "Give the form's id in --form.")
    names = {f.name.casefold(): f for f in forms}
    near = [names[n] for n in difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.4)]
    if not forms:
        raise ConfigError(f"Kit has no form {text!r}: the account has no forms.",
                          "Create the form in Kit first, or leave out --form.")
    shown = near or forms[:5]
    which = "closest" if near else "some of the account's forms"
    listed = ", ".join(f"{f.name!r} (id {f.id})" for f in shown)
    raise ConfigError(f"Kit has no form {text!r} ({which}: {listed}).", "Fix the name in --form, or give its id.")


@dataclass
class FormFigures(Figures):
    """The report's form figures."""

    form: str | None = None  # the --form, as "name (id N)"
    form_additions: int = 0
    planned_form_additions: int = 0  # a dry run's upper bound: Kit's answers decide who is active

    with_states = True

    def tally(self, outcome: Outcome) -> None:
        self.form_additions += any(key.startswith("form:") for key in outcome.done)

    def plan_lines(self) -> list[tuple[str, str]]:
        if not self.form:
            return []
        return [("Form additions", f"up to {self.planned_form_additions:,} (to {self.form}; active subscribers only)")]

    def result_lines(self) -> list[tuple[str, str]]:
        return [("Form additions", f"{self.form_additions:,} to {self.form}")] if self.form else []


class Forms(Action):
    """Adds each imported subscriber active in Kit and in the file to the --form (with its --referrer)."""

    name = "form"
    figures_type = FormFigures
    verified = True  # who is on the form
    taken_back = False  # Kit's API cannot take a subscriber off a form
    figures: FormFigures

    def __init__(self, wanted: str, referrer: str | None = None) -> None:
        super().__init__()
        self.wanted_form, self.referrer = wanted, referrer
        self.form: Form | None = None

    @classmethod
    def wanted(cls, settings: Settings, columns: ColumnPlan) -> Forms | None:
        return cls(settings.form, settings.referrer) if settings.form else None

    @staticmethod
    def notes(settings: Settings) -> list[str]:
        return [FORM_WARNING] if settings.form else []

    @property
    def key(self) -> str:
        assert self.form is not None, "resolve() first"
        return form_key(self.form.id)

    def resolve(self, client: KitClient) -> None:
        self.form = resolve_form(client, self.wanted_form)
        self.figures.form = f"{self.form.name} (id {self.form.id})"

    def needs(self, contact: Contact, kit_state: KitState | None, confirmed: frozenset[str]) -> bool:
        return file_active(contact) and kit_active(kit_state, confirmed) and self.key not in confirmed

    def member_lists(self) -> list[MemberList]:
        """The form's subscribers; whom a run adds, without the run memory's word that it did (verify checks it)."""
        assert self.form is not None, "resolve() first"
        form_id = self.form.id
        return [MemberList("form", f"{self.form.name} (id {form_id})", self.key,
                           lambda contact, state: self.needs(contact, state, frozenset()),
                           lambda client: form_member_emails(client, form_id))]

    def stages(self, client: KitClient) -> list[Stage]:
        assert self.form is not None, "resolve() first"
        return [(BulkFormAdditions if client.credential.can_bulk else SingleFormAdditions)(
            client, self.form, self.referrer)]

    def requests(self, count: Count, bulk: bool) -> int:
        return per_request(count.items, bulk)

    def plan(self, count: Count, tally: Tally | None = None) -> None:
        self.figures.planned_form_additions = count.items
