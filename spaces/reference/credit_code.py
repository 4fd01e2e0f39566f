"""The 统一社会信用代码 (unified social credit code) of GB 32100-2015: 18 characters and a check digit."""

from __future__ import annotations

# GB 32100-2015 §4: the code's characters (digits and capitals without I, O, Z, S, V), each worth its position.
CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {character: value for value, character in enumerate(CHARACTERS)}
# The weights of positions 1..17: 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18


def check_character(first_17: str) -> str | None:
    """The check character (position 18) that the first 17 characters call for; None when one is not allowed.

    Examples
    --------
    >>> check_character("91350100M000100Y4")  # the example code of GB 32100-2015
    '3'
    """
    if len(first_17) != LENGTH - 1 or any(c not in VALUES for c in first_17):
        return None
    remainder = sum(VALUES[c] * w for c, w in zip(first_17, WEIGHTS, strict=True)) % 31
    return CHARACTERS[(31 - remainder) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed credit code (``length``, ``characters``, ``check_digit``), or None.

    Examples
    --------
    >>> [credit_code_problem(c) for c in ("91350100M000100Y43", "91350100M000100Y44", "9135", "91350100M000100I43")]
    [None, 'check_digit', 'length', 'characters']
    """
    code = code.strip().upper()
    if len(code) != LENGTH:
        return "length"
    if any(c not in VALUES for c in code):
        return "characters"
    return None if check_character(code[:-1]) == code[-1] else "check_digit"
