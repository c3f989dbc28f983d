#!/usr/bin/env python3
"""A toy alloy "simulator" for crucible's command oracle (Python 3 standard library only).

SYNTHETIC STAND-IN, NOT PHYSICS. It exists to show the command-oracle protocol end to end and to
give demo campaigns a deterministic, cheap, non-trivial function of the composition. Its numbers
are not yield strengths of real alloys.

Protocol (crucible command oracle, version 1)
---------------------------------------------
stdin: one JSON object, then end of file, for example

    {"protocol": 1, "candidate_id": 12, "formula": "Fe0.7Ni0.3",
     "composition": {"Fe": 0.7, "Ni": 0.3}, "inputs": {"Ni": 0.3, "anneal_temp": 850.0},
     "pool_index": null, "properties": ["yield_strength"], "attempt": 1}

stdout: log lines are fine; the LAST non-empty line must be a JSON object with every requested
property as a finite number, e.g. {"yield_strength": 612.4}. To report a failure, print
{"error": "why"} (not retried). A non-zero exit, a hang past the timeout, or no JSON object on
stdout are failures that crucible retries (oracle.command.retries).

The model (x_i: atomic fraction of element i; fractions sum to 1)
-----------------------------------------------------------------
    yield_strength [MPa, nominal] = BASE
        + sum_i K_i * sqrt(x_i)                      (solid-solution-like term, per solute)
        + sum_{i<j} W_ij * x_i * x_j                 (pairwise interaction, listed pairs only)
        - PENALTY * max(0, sum_solutes - 0.45)^2     (too much solute: a softening penalty)
        - ANNEAL_CURV * ((T - 900) / 100)^2          (only when an `anneal_temp` input is given)

BASE, K, W, PENALTY and ANNEAL_CURV below are invented constants. Elements without a K entry
add nothing; Fe is the matrix. The best anneal_temp is 900 whatever the composition. The
fractions are renormalised to sum to 1 first. The program is deterministic: the same request
gives the same answer.
"""
import json
import math
import sys

BASE = 180.0
# Solid-solution-like coefficients, MPa per sqrt(fraction). Invented.
K = {"Ni": 260.0, "Co": 210.0, "Cr": 340.0, "Mo": 720.0, "Mn": 300.0, "Si": 410.0, "C": 1900.0}
# Pairwise interaction coefficients, MPa per unit x_i * x_j. Invented.
W = {("Cr", "Mo"): 2600.0, ("Ni", "Co"): -900.0, ("Cr", "Ni"): 800.0, ("Co", "Mo"): 1500.0}
PENALTY = 9000.0
MATRIX = "Fe"
ANNEAL_CURV = 25.0


def yield_strength(composition, inputs):
    """The synthetic yield strength for one candidate (see the module docstring)."""
    x = {el: float(f) for el, f in composition.items()}
    total = sum(x.values())
    if not total > 0:
        raise ValueError("empty composition")
    x = {el: f / total for el, f in x.items()}
    value = BASE + sum(K.get(el, 0.0) * math.sqrt(max(f, 0.0)) for el, f in x.items())
    value += sum(w * x.get(a, 0.0) * x.get(b, 0.0) for (a, b), w in W.items())
    solutes = sum(f for el, f in x.items() if el != MATRIX)
    value -= PENALTY * max(0.0, solutes - 0.45) ** 2
    temp = inputs.get("anneal_temp")
    if isinstance(temp, (int, float)):
        value -= ANNEAL_CURV * ((float(temp) - 900.0) / 100.0) ** 2
    return value


def main():
    request = json.load(sys.stdin)
    if request.get("protocol") != 1:
        print(json.dumps({"error": "alloy_sim.py speaks protocol 1, got %r" % request.get("protocol")}))
        return
    composition = request.get("composition") or {}
    if not composition:
        print(json.dumps({"error": "alloy_sim.py needs a composition"}))
        return
    print("alloy_sim: candidate %s, %s" % (request["candidate_id"], request.get("formula")))
    answer = {}
    for prop in request["properties"]:
        if prop == "yield_strength":
            answer[prop] = round(yield_strength(composition, request.get("inputs") or {}), 3)
        else:
            print(json.dumps({"error": "alloy_sim.py does not compute '%s' (only yield_strength)" % prop}))
            return
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
