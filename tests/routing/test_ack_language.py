"""Out-of-hours acknowledgements say they are automatic, in the channel's language."""

from datetime import datetime

from sqlalchemy import select

from inbox.conversations.models import Message
from inbox.core.clock import BERLIN
from inbox.extensions import db
from inbox.routing import texts


def ack_of(conversation_id: int) -> str:
    return db.session.scalar(select(Message.text).where(Message.conversation_id == conversation_id,
                                                         Message.direction == "out"))


def test_german_acknowledgement_says_it_is_automatic(team_setup, publish, sim):
    publish(team_setup.team, [(team_setup.anna, "2026-10-23", "F")])
    sim.at("2026-10-22 22:30")
    assert ack_of(sim.write("karin")) == (
        "Dies ist eine automatische Antwort. Vielen Dank für Ihre Nachricht! Unser Social-Media-Team ist gerade "
        "nicht im Dienst. Wir sind morgen ab 07:00 Uhr wieder für Sie da.")


def test_english_channel_acknowledges_in_english(team_setup, publish, sim):
    team_setup.channel.settings = {"language": "en"}
    db.session.commit()
    publish(team_setup.team, [(team_setup.anna, "2026-10-23", "F")])
    sim.at("2026-10-22 22:30")
    assert ack_of(sim.write("karin")) == (
        "This is an automatic reply. Thank you for your message! Our social media team is not on duty right now. "
        "We will be back tomorrow from 07:00.")


def test_the_leads_own_text_is_marked_automatic_once():
    opening, now = datetime(2026, 10, 26, 7, 0, tzinfo=BERLIN), datetime(2026, 10, 23, 23, 0, tzinfo=BERLIN)
    own = texts.ack_text({"ack_text": "Danke! Wir antworten {opening}."}, opening, now)
    assert own == "Dies ist eine automatische Antwort. Danke! Wir antworten ab Montag, 07:00 Uhr."
    said = texts.ack_text({"ack_text": "Dies ist eine automatische Antwort: Wir sind {opening} da."}, opening, now)
    assert said == "Dies ist eine automatische Antwort: Wir sind ab Montag, 07:00 Uhr da."


def test_english_opening_phrases():
    now = datetime(2026, 10, 23, 23, 0, tzinfo=BERLIN)  # a Friday
    assert texts.opening_phrase(datetime(2026, 10, 26, 7, 0, tzinfo=BERLIN), now, "en") == "on Monday from 07:00"
    assert texts.opening_phrase(datetime(2026, 11, 2, 7, 0, tzinfo=BERLIN), now, "en") == \
        "on Monday, 2 November, from 07:00"
