"""The answers of a form that say who is writing it ("Your name", "Recorded by", a registration number, the
practice answering): one table, read by the hub, which checks each against the signed-in user, and by the field
app, which fills them in from the enrolled user so nobody retypes them (and nobody can mistype them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

WriterSource = Literal["display_name", "username", "ods_code", "registration"]

#: answer id (wherever it sits in a form's groups and repeats) -> what of the writer it must be
WRITER_ANSWERS: Final[Mapping[str, WriterSource]] = {
    "author": "display_name",  # case_note (submitted as a form): "Written by"
    "referrer_name": "display_name",  # hv_concern, sn_referral: "Your name"
    "recorded_by": "display_name",  # body map injuries: "Recorded by"
    "registration": "registration",  # hv_concern, sn_referral: NMC PIN or GMC number
    "responder_name": "display_name",  # gp_response: "Your name"
    "gmc_number": "registration",  # gp_response
    "nmc_pin": "registration",  # gp_response v2: a practice nurse answering for the practice
    "practice_ods": "ods_code",  # gp_response: the practice answering
    "team_code": "ods_code",  # team_response: the team answering (its organisation code)
}
