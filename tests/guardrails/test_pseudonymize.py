from __future__ import annotations

import pytest
from socle.guardrails.base import ConversationScope, Span
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.pseudonymize import Pseudonymizer, normalize
from socle.guardrails.vault import InMemoryVault

pytestmark = pytest.mark.anyio

KEY = Pseudonymizer.generate_key()


def conv(conversation_id: str, tenant_id: str = "acme", key_id: str = "k1") -> ConversationScope:
    return ConversationScope(tenant_id, key_id, conversation_id)


def spans_of(text: str, *found: tuple[str, str]) -> list[Span]:
    return [Span(text.index(v), text.index(v) + len(v), entity, action="pseudonymize") for entity, v in found]


@pytest.fixture
def vault() -> InMemoryVault:
    return InMemoryVault()


@pytest.fixture
def pseudonymizer(vault: InMemoryVault) -> Pseudonymizer:
    return Pseudonymizer(vault, KEY)


async def test_round_trip_across_two_turns(pseudonymizer: Pseudonymizer) -> None:
    turn1 = "Jean Dupont writes from jean@exemple.fr"
    masked1 = await pseudonymizer.pseudonymize(
        turn1,
        spans_of(turn1, ("PERSON", "Jean Dupont"), ("EMAIL_ADDRESS", "jean@exemple.fr")),
        scope=conv("c1"),
    )
    assert masked1 == "<PERSON_1> writes from <EMAIL_ADDRESS_1>"

    turn2 = "Please ask JEAN  DUPONT and Marie Curie"
    masked2 = await pseudonymizer.pseudonymize(
        turn2, spans_of(turn2, ("PERSON", "JEAN  DUPONT"), ("PERSON", "Marie Curie")), scope=conv("c1")
    )
    assert masked2 == "Please ask <PERSON_1> and <PERSON_2>"

    answer = "I wrote to <PERSON_1> (<EMAIL_ADDRESS_1>) and <PERSON_2>; <PERSON_9> is unknown."
    restored = await pseudonymizer.restore(answer, scope=conv("c1"))
    assert restored == "I wrote to Jean Dupont (jean@exemple.fr) and Marie Curie; <PERSON_9> is unknown."


async def test_conversations_are_numbered_independently(pseudonymizer: Pseudonymizer) -> None:
    text = "Marie Curie"
    one = await pseudonymizer.pseudonymize(text, spans_of(text, ("PERSON", text)), scope=conv("a"))
    other = "Pierre Curie"
    two = await pseudonymizer.pseudonymize(other, spans_of(other, ("PERSON", other)), scope=conv("b"))
    assert one == two == "<PERSON_1>"
    assert await pseudonymizer.restore("<PERSON_1>", scope=conv("a")) == "Marie Curie"
    assert await pseudonymizer.restore("<PERSON_1>", scope=conv("b")) == "Pierre Curie"


@pytest.mark.parametrize(
    "other", [conv("support-ticket-1042", tenant_id="globex"), conv("support-ticket-1042", key_id="k2")]
)
async def test_the_same_conversation_id_under_another_tenant_or_key_is_another_mapping(
    pseudonymizer: Pseudonymizer, other: ConversationScope
) -> None:
    text = "Alice Martin"
    mine = conv("support-ticket-1042")
    masked = await pseudonymizer.pseudonymize(text, spans_of(text, ("PERSON", text)), scope=mine)
    assert masked == "<PERSON_1>"
    assert await pseudonymizer.restore("<PERSON_1>", scope=other) == "<PERSON_1>"
    assert await pseudonymizer.restore("<PERSON_1>", scope=mine) == "Alice Martin"


def test_vault_names_hold_no_client_id_and_do_not_collide() -> None:
    name = conv("support-ticket-1042").vault_name()
    assert "support" not in name and "acme" not in name
    # The parts are encoded unambiguously: moving a separator between them gives another name.
    assert ConversationScope("a:b", "c", "d").vault_name() != ConversationScope("a", "b:c", "d").vault_name()


async def test_erase_forgets_the_mapping(pseudonymizer: Pseudonymizer, vault: InMemoryVault) -> None:
    text = "Marie Curie"
    await pseudonymizer.pseudonymize(text, spans_of(text, ("PERSON", text)), scope=conv("c1"))
    assert await pseudonymizer.erase(conv("c1")) is True
    assert len(vault) == 0
    assert await pseudonymizer.restore("<PERSON_1>", scope=conv("c1")) == "<PERSON_1>"
    assert await pseudonymizer.erase(conv("c1")) is False


async def test_vault_holds_ciphertext_only(pseudonymizer: Pseudonymizer, vault: InMemoryVault) -> None:
    text = "Call 06 12 34 56 78, Marie Curie"
    await pseudonymizer.pseudonymize(
        text,
        spans_of(text, ("FR_PHONE_NUMBER", "06 12 34 56 78"), ("PERSON", "Marie Curie")),
        scope=conv("c1"),
    )
    blob = await vault.get(conv("c1").vault_name())
    assert blob is not None
    for clear in (b"Marie", b"Curie", b"06 12", b"PERSON"):
        assert clear not in blob


@pytest.mark.parametrize("other", [conv("c2"), conv("c1", tenant_id="globex"), conv("c1", key_id="k2")])
async def test_a_blob_moved_to_another_conversation_tenant_or_key_does_not_decrypt(
    pseudonymizer: Pseudonymizer, vault: InMemoryVault, other: ConversationScope
) -> None:
    text = "Marie Curie"
    await pseudonymizer.pseudonymize(text, spans_of(text, ("PERSON", text)), scope=conv("c1"))
    blob = await vault.get(conv("c1").vault_name())
    assert blob is not None
    await vault.put(other.vault_name(), blob)
    with pytest.raises(GuardrailConfigError, match="does not decrypt"):
        await pseudonymizer.restore("<PERSON_1>", scope=other)


async def test_another_key_cannot_read_the_vault(vault: InMemoryVault) -> None:
    text = "Marie Curie"
    await Pseudonymizer(vault, KEY).pseudonymize(text, spans_of(text, ("PERSON", text)), scope=conv("c1"))
    with pytest.raises(GuardrailConfigError):
        await Pseudonymizer(vault, Pseudonymizer.generate_key()).restore("<PERSON_1>", scope=conv("c1"))


def test_short_keys_are_refused() -> None:
    with pytest.raises(GuardrailConfigError, match="16 bytes"):
        Pseudonymizer(InMemoryVault(), "short")


@pytest.mark.parametrize(
    ("a", "b"),
    [("Jean  Dupont", "jean dupont"), ("06 12 34 56 78", "06.12.34.56.78"), ("\uff21\uff22\uff23", "abc")],
)
def test_normalize_makes_variants_equal(a, b) -> None:
    assert normalize(a) == normalize(b)


async def test_restore_without_placeholders_is_a_no_op(
    pseudonymizer: Pseudonymizer, vault: InMemoryVault
) -> None:
    assert await pseudonymizer.restore("plain text", scope=conv("c1")) == "plain text"
    assert len(vault) == 0


@pytest.mark.parametrize(
    ("answer", "restored"),
    [
        ("The hotel cap in <LOCATION_1> is 200 EUR.", "The hotel cap in Paris is 200 EUR."),
        ("The hotel cap in [LOCATION_1] is 200 EUR.", "The hotel cap in Paris is 200 EUR."),
        ("The cap (LOCATION_1) is 200 EUR.", "The cap Paris is 200 EUR."),
        ("Ask {PERSON_1} about LOCATION_1.", "Ask Jean Dupont about Paris."),
        ("See the notes (about LOCATION_1).", "See the notes (about Paris)."),
        ("[PERSON_9] and LOCATION_12 and COVID_19 stay.", "[PERSON_9] and LOCATION_12 and COVID_19 stay."),
        ("XLOCATION_1 and LOCATION_1X are other words.", "XLOCATION_1 and LOCATION_1X are other words."),
    ],
)
async def test_restore_accepts_the_spellings_models_write(
    pseudonymizer: Pseudonymizer, answer: str, restored: str
) -> None:
    text = "Jean Dupont travels to Paris"
    spans = spans_of(text, ("PERSON", "Jean Dupont"), ("LOCATION", "Paris"))
    assert (
        await pseudonymizer.pseudonymize(text, spans, scope=conv("c1"))
        == "<PERSON_1> travels to <LOCATION_1>"
    )
    assert await pseudonymizer.restore(answer, scope=conv("c1")) == restored


async def test_canonical_writes_known_placeholders_one_way_and_keeps_values_out(
    pseudonymizer: Pseudonymizer,
) -> None:
    text = "Jean Dupont travels to Paris"
    spans = spans_of(text, ("PERSON", "Jean Dupont"), ("LOCATION", "Paris"))
    await pseudonymizer.pseudonymize(text, spans, scope=conv("c1"))
    answer = "Ask [PERSON_1] about LOCATION_1 and {PERSON_9}."
    assert (
        await pseudonymizer.canonical(answer, scope=conv("c1"))
        == "Ask <PERSON_1> about <LOCATION_1> and {PERSON_9}."
    )
    assert await pseudonymizer.canonical(answer, scope=conv("c1", key_id="k2")) == answer
