"""Intake: start a case, ask only the facts routing needs, read answers, corrections and skips."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.config import settings
from actions.handoff import hand_off
from actions.knowledge import explain_platform_role
from weiquan import advice, handoff, intake, intents, replies
from weiquan.intents import PLATFORM_SERVICE, SCAM

# Intents that interrupt the questions; the form rejects them so that a rule can answer.
INTERRUPTIONS = {"ask_rule", "ask_platform_role", "ask_channel", "ask_progress", "bot_challenge",
                 "request_human", "stop", "goodbye", "report_scam", "greet", "thank", "out_of_scope"}
# Interruptions a short answer is mistaken for (驳回了 read as goodbye); questions are never taken as answers.
ANSWER_MISREADS = {"stop", "goodbye", "greet", "thank", "out_of_scope"}
MAX_RETRIES = 1
# After "是下面哪一种？" the message answers it: a complaint this likely is taken (货不对板: inform 0.31, 0.20).
COMPLAINT_AFTER_CHOICE = 0.1
# An `inform` message whose ranking has a complaint at least this likely is taken as that complaint. Over the
# 126 training examples that 5-fold cross-validation read as `inform` (2026-11-27): at 0.1, 23 bare facts (299块,
# 下单的是小米手环) would open a case and 9 complaints be caught; at 0.25, 3 and 4 (快递丢了，单号… is caught at 0.34).
# Opening a wrong case costs the user more than being asked to tell the whole problem.
COMPLAINT_BEHIND_INFORM = 0.25
# A complaint of another kind at least this likely, said instead of an answer, is offered as a switch of case.
# In 5-fold cross-validation on the training data (2026-11-29), 29 of the 341 answers (inform, affirm, deny,
# skip) were read as a complaint at 0.5 or more (商家说拆封了不退, 打了店铺电话没人接); most state a fact the
# pending question or another one takes, and the rest get a question, not a switch.
OTHER_COMPLAINT = 0.5


def _slot_events(values: dict[str, Any]) -> list[EventType]:
    return [SlotSet(name, value) for name, value in values.items()]


def _chosen_values(tracker: Tracker) -> list[EventType]:
    """The amount paid and the time waited of the latest message, as intake chose them among the values said."""
    own = tracker_facts.entity_facts(tracker)
    return [SlotSet(name, own[name]) for name in tracker_facts.CHOSEN_SLOTS if name in own]


def _question(fact_name: str, complaint_type: str) -> tuple[str, list[dict[str, str]]]:
    fact = intake.facts()[fact_name]
    return fact.question_for(complaint_type), [{"title": t, "payload": t} for t in fact.button_titles()]


def start_case(dispatcher: CollectingDispatcher, tracker: Tracker, complaint_type: str) -> list[EventType]:
    """Safety advice for scams, the type in plain words, the facts already given; hand off an angry user."""
    if complaint_type == SCAM:
        dispatcher.utter_message(text=advice.scam_first_aid().text)
    now = settings().now()
    given = intake.volunteered(tracker_facts.latest_text(tracker), tracker_facts.latest_entities(tracker), now,
                               complaint_type)
    # After a routed case a complaint is a new case: the last one's facts (its date, its answers) do not carry over.
    new_case = tracker.get_slot("case_id") is not None
    known = tracker_facts.entity_facts(tracker) if new_case else tracker_facts.facts(tracker)
    facts = {**known, **given}
    doubtful = tracker_facts.doubtful_order_ids(tracker)
    dispatcher.utter_message(text=replies.acknowledgement(
        complaint_type, facts, now.date(), doubtful, tracker_facts.characters_read(tracker)))
    done = intake.next_fact(complaint_type, facts) is None
    start = [
        SlotSet("complaint_type", complaint_type),
        SlotSet("case_id", None),
        SlotSet("skipped_facts", []),
        SlotSet("intake_retries", 0.0),
        SlotSet("intake_done", True if done else None),
        SlotSet("proposed_complaint", None),
        *_slot_events({k: v for k, v in given.items() if k in intake.recorded_fact_names()}),
        *_chosen_values(tracker),
        *(SlotSet(name, None) for name in tracker_facts.CASE_SLOTS if new_case and name not in facts),
    ]
    if handoff.is_angry(tracker_facts.latest_text(tracker)):
        return start + hand_off(dispatcher, tracker, replies.load()["handoff"]["angry"])
    return start


class ActionStartCase(Action):
    """First message of a complaint."""

    def name(self) -> str:
        return "action_start_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return start_case(dispatcher, tracker, tracker_facts.latest_intent(tracker) or "")


class ActionHandleInform(Action):
    """Facts given with no question open: usually a complaint told through its facts, so start that case."""

    def name(self) -> str:
        return "action_handle_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        question, buttons = replies.clarification(
            ranking, tracker_facts.characters_read(tracker), complaints_only=True)
        # Typed instead of a button of that question (货不对板), a less likely complaint is still the answer.
        asked = replies.asked_which_complaint(tracker_facts.last_bot_text(tracker))
        threshold = COMPLAINT_AFTER_CHOICE if asked else COMPLAINT_BEHIND_INFORM
        complaint = next((r["name"] for r in ranking
                          if intents.is_complaint(r.get("name")) and r.get("confidence", 0) >= threshold), None)
        if complaint is None:
            doubtful = tracker_facts.doubtful_order_ids(tracker)
            if not doubtful and not tracker_facts.states_facts(tracker) and len(buttons) > 1 and not asked:
                # 东西到了一看是二手的 names no item, date, amount or number: a complaint said plainly, not facts.
                # Asked once; a second such message gets the usual answer, not the same buttons again.
                dispatcher.utter_message(text=question, buttons=buttons)
                return _chosen_values(tracker)
            dispatcher.utter_message(text=replies.inform_outside(doubtful, tracker_facts.characters_read(tracker)))
            return _chosen_values(tracker)
        return [*start_case(dispatcher, tracker, complaint), FollowupAction("case_form")]


class ActionAskIntakeDone(Action):
    """Asks the next fact the case needs (the form's only required slot is `intake_done`)."""

    def name(self) -> str:
        return "action_ask_intake_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        complaint_type = tracker_facts.complaint_type(tracker) or ""
        proposed = tracker.get_slot("proposed_complaint")
        if proposed:
            text, buttons = replies.switch_offer(proposed, complaint_type)
            dispatcher.utter_message(text=text, buttons=buttons)
            return []
        fact = intake.next_fact(complaint_type, tracker_facts.facts(tracker))
        if fact is None:
            return [SlotSet("intake_done", True)]
        text, buttons = _question(fact, complaint_type)
        if tracker.get_slot("pending_fact") == fact and (tracker.get_slot("intake_retries") or 0) > 0:
            part = intake.month_part_said(fact, tracker_facts.latest_text(tracker), settings().now())
            if part is not None:
                text = replies.month_part_question(part.text, part.month, part.example_day)
            else:
                text = f"{replies.text('not_understood' if buttons else 'not_understood_free')}\n{text}"
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("pending_fact", fact)]


class ValidateCaseForm(Action):
    """Reads the answer to the pending question, plus any facts or corrections said in passing."""

    def name(self) -> str:
        return "validate_case_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = tracker_facts.latest_intent(tracker)
        text, entities = tracker_facts.latest_text(tracker), tracker_facts.latest_entities(tracker)
        proposed = tracker.get_slot("proposed_complaint")
        choice = replies.switch_choice(text, intent) if proposed else None
        if choice == "switch":
            return [SlotSet("pending_fact", None), *start_case(dispatcher, tracker, proposed)]
        if choice == "keep":
            dispatcher.utter_message(text=replies.text("resume_intake"))
            return [SlotSet("proposed_complaint", None), SlotSet("intake_retries", 0.0)]
        pending = tracker.get_slot("pending_fact")
        now = settings().now()
        said = intake.volunteered(text, entities, now, tracker_facts.complaint_type(tracker))
        price = intake.bare_price(pending, text)
        if price is not None and "amount" not in said:
            said["amount"] = price
        updates = {k: v for k, v in said.items() if k in intake.recorded_fact_names()}
        # 驳回了 read as goodbye is no goodbye: a text that states a fact of the case is read as an answer.
        answers_pending = pending is not None and (
            intake.is_direct_answer(pending, text) or (intent in ANSWER_MISREADS and bool(updates))
        )
        if intent in INTERRUPTIONS and not answers_pending:
            return _chosen_values(tracker)
        # Anything else said to the switch offer lets it lapse and is read as usual.
        lapsed = [SlotSet("proposed_complaint", None)] if proposed else []
        return lapsed + self._read(dispatcher, tracker, pending, updates, now)

    @staticmethod
    def _read(
        dispatcher: CollectingDispatcher, tracker: Tracker, pending: str | None, updates: dict[str, Any],
        now: datetime,
    ) -> list[EventType]:
        """The answer to the pending question, facts and corrections said in passing, or a complaint of
        another kind said instead."""
        intent = tracker_facts.latest_intent(tracker)
        text, entities = tracker_facts.latest_text(tracker), tracker_facts.latest_entities(tracker)
        known = tracker_facts.facts(tracker)
        skipped = list(tracker.get_slot("skipped_facts") or [])
        retries = tracker.get_slot("intake_retries") or 0.0
        # "不对，是上周三收到的" corrects another fact; its 不对 is no answer to the pending question.
        corrected = {k: v for k, v in updates.items() if k != pending and known.get(k) not in (None, v)}
        answer = None
        if pending and pending not in updates and not corrected:
            # 判我输了 to 申请过介入吗 answers the result too; 没支持我 is no "no".
            ahead = intake.answered_ahead(pending, text)
            updates.update(ahead)
            answer = ahead.get(pending) if ahead else intake.read_answer(pending, text, intent, entities, now)
        if answer == intake.SKIPPED:
            skipped.append(pending)
        elif answer is not None:
            updates[pending] = answer
        elif pending and not updates:
            other = _other_complaint(tracker)
            if other == PLATFORM_SERVICE:
                # 天猫客服管不了商家 while a refund is asked about is about this case: what the platform can do.
                explain_platform_role(dispatcher, tracker)
                dispatcher.utter_message(text=replies.text("resume_intake"))
                return [*_chosen_values(tracker), SlotSet("intake_retries", 0.0)]
            if other is not None:
                return [*_chosen_values(tracker), SlotSet("proposed_complaint", other)]
            noted = replies.fact_lines(tracker_facts.entity_facts(tracker), now.date())
            if noted or intake.says_no_order_id(text):
                # An order number or amount sent on its own is no answer, but not a misunderstanding either;
                # nor is 没有订单号, and the question comes again without 没看懂.
                reply = replies.text("noted").format(value="，".join(noted)) if noted else replies.text("no_order_id")
                dispatcher.utter_message(text=reply)
                return [*_chosen_values(tracker), SlotSet("intake_retries", 0.0)]
            if retries < MAX_RETRIES:
                return [SlotSet("intake_retries", retries + 1)]
            skipped.append(pending)
        if corrected:
            shown = "，".join(replies.fact_lines(corrected, now.date()))
            dispatcher.utter_message(text=replies.text("correction").format(value=shown))
        elif pending and answer is None and pending not in updates:
            # 联系了，商家不认 while the receipt date is asked: say what was kept before the question comes again,
            # known facts included, so 联系过了 sent to 申请过售后吗 is not met with the bare question again.
            kept = {**tracker_facts.entity_facts(tracker), **updates}
            noted = replies.fact_lines(kept, now.date())
            if noted:
                dispatcher.utter_message(text=replies.text("noted").format(value="，".join(noted)))
        after = {**known, **updates, **{name: intake.SKIPPED for name in skipped}}
        done = intake.next_fact(tracker_facts.complaint_type(tracker) or "", after) is None
        return [
            *_slot_events(updates),
            *_chosen_values(tracker),
            SlotSet("skipped_facts", skipped),
            SlotSet("intake_retries", 0.0),
            SlotSet("intake_done", True if done else None),
        ]


def _other_complaint(tracker: Tracker) -> str | None:
    """The latest message's complaint, when it is likely enough and not the one being asked about."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name")
    if (intents.is_complaint(name) and name != tracker_facts.complaint_type(tracker)
            and (intent.get("confidence") or 0.0) >= OTHER_COMPLAINT):
        return name
    return None


class ActionStopIntake(Action):
    def name(self) -> str:
        return "action_stop_intake"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text=replies.text("stop"))
        return [SlotSet("pending_fact", None), SlotSet("intake_done", None), SlotSet("proposed_complaint", None)]
