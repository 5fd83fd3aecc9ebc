"""Given names that are the same name: nicknames, short forms and common transliterations, as data.

Each group is one name; the first spelling is the group's key (``canonical``). Kept small on purpose: a name in no
group stands for itself, and the fuzzy and phonetic comparisons in ``hub._matching`` cover spellings and typos.
"""

from __future__ import annotations

from typing import Final

GROUPS: Final[tuple[tuple[str, ...], ...]] = (
    ("william", "bill", "billy", "will", "willy", "liam"),
    ("margaret", "peggy", "maggie", "meg", "megan", "madge", "greta"),
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby", "lisa", "elsie"),
    ("katherine", "catherine", "kathryn", "katie", "kate", "kat", "cathy", "kathy", "kitty"),
    ("alexander", "alex", "alexandr", "aleksandr", "sasha", "sandy", "xander"),
    ("alexandra", "alexa", "lexi", "lexie", "sandra"),
    ("james", "jim", "jimmy", "jamie"),
    ("john", "jack", "johnny", "jon", "ivan", "sean", "shaun", "shawn", "evan"),
    ("thomas", "tom", "tommy"),
    ("richard", "rick", "ricky", "dick", "rich", "richie"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned"),
    ("charles", "charlie", "chuck", "chas"),
    ("charlotte", "lottie", "charley"),
    ("henry", "harry", "hal", "hank"),
    ("daniel", "dan", "danny"),
    ("michael", "mike", "mikey", "mick", "mickey"),
    ("benjamin", "ben", "benny", "benji"),
    ("joseph", "joe", "joey", "jo"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sammie"),
    ("matthew", "matt", "matty"),
    ("nicholas", "nick", "nicky", "nico"),
    ("christopher", "chris", "kit"),
    ("anthony", "tony", "antony"),
    ("jennifer", "jenny", "jen", "jenna"),
    ("rebecca", "becky", "becca"),
    ("victoria", "vicky", "tori"),
    ("jessica", "jess", "jessie"),
    ("abigail", "abby", "abbie", "gail"),
    ("isabella", "isabel", "izzy", "bella", "isabelle"),
    ("olivia", "liv", "livvy"),
    ("amelia", "millie", "emilia"),
    ("sophia", "sophie", "sofia", "sofiya"),
    ("eleanor", "ellie", "nell", "nora", "elinor"),
    ("mary", "molly", "polly", "maria", "marie", "mariam", "maryam"),
    ("susan", "sue", "susie", "suzanne"),
    ("patricia", "pat", "patty", "trish"),
    ("deborah", "debbie", "debra", "deb"),
    ("frederick", "fred", "freddie", "freddy"),
    ("oliver", "ollie", "olly"),
    ("muhammad", "mohammed", "mohammad", "mohamed", "muhammed", "mohamad", "mehmet"),
    ("ahmed", "ahmad", "ahmet"),
    ("yusuf", "yousef", "youssef", "yosef"),
    ("aisha", "ayesha", "aysha", "aishah"),
    ("fatima", "fatimah", "fatma"),
    ("zoe", "zoey", "zoë"),
    ("natalia", "natalie", "natasha", "tasha"),
    ("dmitri", "dmitry", "dimitri"),
    ("nikolai", "nikolay", "nicolai"),
)

_CANONICAL: Final[dict[str, str]] = {name: group[0] for group in GROUPS for name in group}


def canonical(given: str) -> str:
    """The group key of a normalised given name (lower case, letters only), or the name itself."""
    return _CANONICAL.get(given, given)
