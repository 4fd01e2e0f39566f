"""Reading the districts layer's colours as deck.gl computes them, for tests that have no browser.

:func:`spaces.view.deck.district_fill` sends them as a deck.gl accessor expression, a chain of
``properties.id == "<adcode>" ? [r,g,b,a] : …`` ending in the no-data colour. This evaluates that grammar
(and refuses anything else); the browser tests prove that deck.gl draws the same colours.
"""

import json
import re

_BRANCH = re.compile(r'\s*properties\.id == ("(?:[^"\\]|\\.)*") \? (\[[0-9, ]+\]) : ')


def fills_of(layer: dict) -> dict[str, list[int]]:
    """``{adcode: RGBA}`` for every feature of ``layer`` (its data inline, as the page tests read it)."""
    expression = layer["getFillColor"].removeprefix("@@=")
    table, position = {}, 0
    while match := _BRANCH.match(expression, position):
        table.setdefault(json.loads(match.group(1)), json.loads(match.group(2)))
        position = match.end()
    default = json.loads(expression[position:])
    assert isinstance(default, list) and len(default) == 4, expression
    return {str(f["properties"]["id"]): table.get(str(f["properties"]["id"]), default)
            for f in layer["data"]["features"]}
