"""Citizen identity rules, in one place for the server, the devices and the terminals.

GB 11643 citizen identity numbers (公民身份号码): the check character, the birth date and age
they encode, and the masked forms of numbers and names that are all a screen, a ticket, a log or
an API answer may ever show.  Pure: no IO, no clock (the day is always passed in).
"""

from .masking import mask_id_number, mask_name
from .number import age_on, birth_date_of, check_char, id_number_is_valid

__all__ = [
    "age_on",
    "birth_date_of",
    "check_char",
    "id_number_is_valid",
    "mask_id_number",
    "mask_name",
]
