"""Generated requests from the OpenAPI document: no input, however odd, gets a 500.

Schemathesis builds requests (valid and invalid) from the same schemas that
validate them; each is sent as a manager to the app on each database, and every
answer must be documented, conform to the document, and be no server error.
Its strings already hold NUL and control characters; lone surrogates, which it
never draws, and more control and bidi characters are spliced into the text of
JSON bodies, as a careless till's JSON encoder might send them.

Its stateful phase then chains requests along the document's OpenAPI links
(the catalog's first item is tapped, the comp read, its note fetched, the comp
voided and voided again), each chain from a freshly emptied store.
"""

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from pos_plugin.models import Role

# A longer run: POS_PLUGIN_FUZZ_EXAMPLES=1000 make pytest
EXAMPLES_PER_OPERATION = int(os.environ.get("POS_PLUGIN_FUZZ_EXAMPLES", "25"))
# Scenarios (chains of linked requests) per database, and the most steps in one chain.
STATEFUL_SCENARIOS = int(os.environ.get("POS_PLUGIN_FUZZ_SCENARIOS", "40"))
STATEFUL_STEPS = 6
DIRTY = st.sampled_from(["\x00", "\ud800", "\udfff", "\x1b", "\x07", "\x85", "\u202e", "\r\n"])


@st.composite
def dirtied(draw, cases, item_id):
    """A generated case whose JSON body strings may carry a character no field accepts.

    Most generated item ids name no item, and such a tap is refused before its
    text gets near the database; half the taps name the real item instead.
    """
    case = draw(cases)
    if isinstance(case.body, dict):
        if "item_id" in case.body and draw(st.booleans()):
            case.body["item_id"] = item_id
        for key, value in list(case.body.items()):
            if isinstance(value, str) and draw(st.booleans()):
                at = draw(st.integers(0, len(value)))
                case.body[key] = value[:at] + draw(DIRTY) + value[at:]
    return case


def test_the_api_answers_every_generated_request_as_documented(app, make_item, make_token):
    item = make_item(value=100, name="Free cookie")
    headers = {"Authorization": f"Bearer {make_token(Role.MANAGER, name='fuzz')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13

    for operation in operations:

        @given(case=dirtied(operation.as_strategy(), item.id))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case):
            case.call_and_validate(
                headers=headers,
                # A well-formed request may still break a business rule (an unknown
                # item id, a foreign currency): that 422 is right, not a failure.
                excluded_checks=[schemathesis.checks.positive_data_acceptance],
            )

        answers_as_documented()


def test_requests_that_follow_the_documents_links_answer_as_documented(
    app, make_item, make_token, empty_store
):
    """The stateful phase: chains like catalog -> tap -> read -> void -> void again.

    Each step takes its ids from an earlier answer through the OpenAPI links
    (pos_plugin.api.links), so a chain reaches given comps, their notes and the
    void of a voided comp, which requests with random ids never do. Every
    answer must be documented, conform to the document and be no server error.
    """
    config = SchemathesisConfig.from_dict(
        {
            # A well-formed request may still break a business rule: see above.
            "checks": {"positive_data_acceptance": {"enabled": False}},
            # Invalid input is the test above's; chains of it stop at the first 422.
            "generation": {"mode": "positive"},
            # The links the document declares, not ones Schemathesis guesses.
            "phases": {"stateful": {"inference": {"algorithms": []}}},
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    token: dict[str, str] = {}

    # Asked for every request (no caching): each chain's store has a token of its own.
    @schema.auth(refresh_interval=None)
    class ManagerToken:
        def get(self, case, context):
            return token["manager"]

        def set(self, case, data, context):
            case.headers["Authorization"] = f"Bearer {data}"

    class LinkedRequests(schema.as_state_machine()):
        def setup(self):
            # Every chain starts from the same store (one item, nothing given), so
            # Hypothesis can replay any chain it drew and get the same answers.
            empty_store()
            self.item_id = make_item(value=100, name="Free cookie").id
            token["manager"] = make_token(Role.MANAGER, name="fuzz")

        def before_call(self, case):
            # The test above sends unknown item ids and refused text; here a tap names the
            # store's item and a void gives a reason, so chains go on to given and voided
            # comps (and to voiding one twice) instead of stopping at the first 422.
            if not isinstance(case.body, dict):
                return
            if case.operation.label == "POST /api/v1/comps":
                case.body["item_id"] = self.item_id
            elif case.operation.label == "POST /api/v1/comps/{comp_id}/void":
                case.body["reason"] = "fuzz: undone"

    LinkedRequests.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
