#!/usr/bin/env python3
"""Checks what the demo page shows (a DOM dumped by headless Chromium)
against numbers computed on the host.

  check_dom.py prediction EXPECTED_JSON HOST_PREDICTIONS_JSON DOM...
      EXPECTED_JSON: `cargo run --example host_expected` (rotated inputs and
      targets, E and E' per case, from the runtime called directly);
      HOST_PREDICTIONS_JSON: `trainer predict` on those rotated inputs; one
      DOM per case, in the same order.
  check_dom.py error TEXT DOM
      The page reports an error containing TEXT and did not break.

The page keeps each number's unrounded value in `data-exact`, so the checks
are exact (the prediction's fingerprint is over its f32 bits); the shown
text must be that value at the page's fixed precision.
"""

import json
import struct
import sys
from html.parser import HTMLParser


class Elements(HTMLParser):
    """Text and attributes of every element with an id."""

    def __init__(self):
        super().__init__()
        self.by_id = {}
        self._open = []  # (id or None) per open element

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("meta", "link", "input", "br", "img"):  # void elements
            if "id" in attrs:
                self.by_id[attrs["id"]] = {"attrs": attrs, "text": ""}
            return
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"attrs": attrs, "text": ""}
        self._open.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id is not None:
                self.by_id[element_id]["text"] += data


def parse(path):
    parser = Elements()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser.by_id


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def fnv1a(values):
    h = 0x811C9DC5
    for b in struct.pack(f"<{len(values)}f", *values):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


failures = 0


def check(ok, what, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f" ({detail})" if detail else ""))
    if not ok:
        failures += 1


def check_number(dom, element_id, expected, digits, label):
    element = dom.get(element_id)
    if element is None:
        check(False, f"{label}: no #{element_id} in the page")
        return
    text = element["text"].strip()
    exact = element["attrs"].get("data-exact", "")
    shown_ok = text == f"{expected:.{digits}f}" or (
        # Python and JavaScript may round an exact tie differently.
        abs(float(text) - expected) <= 0.5 * 10**-digits + 1e-12 if text else False
    )
    check(
        exact != "" and float(exact) == expected and shown_ok,
        f"{label}: page {text} = host {expected:.{digits}f}",
        f"exact {exact} vs {expected!r}",
    )


def angle_text(degrees):
    return f"{int(degrees)}" if float(degrees).is_integer() else f"{degrees}"


def prediction(expected_path, predictions_path, doms):
    with open(expected_path) as f:
        cases = json.load(f)
    with open(predictions_path) as f:
        predictions = json.load(f)
    if not (len(cases) == len(predictions) == len(doms)):
        check(False, f"{len(cases)} cases, {len(predictions)} predictions, {len(doms)} DOMs")
        return
    for case, predicted, dom_path in zip(cases, predictions, doms):
        dom = parse(dom_path)
        name = f"case {case['case']}"
        status = dom.get("status", {}).get("text", "").strip()
        error = dom.get("error", {}).get("text", "").strip()
        check(status == "ready" and error == "", f"{name}: status ready, no error", f"status {status!r} {error}")
        shown_case = dom.get("case", {}).get("text", "").strip()
        want_case = f"sample {case['sample']}, {angle_text(case['degrees'])}° about {case['axis']}"
        check(shown_case == want_case, f"{name}: the page shows {want_case!r}", shown_case)

        # The host's numbers: trainer predict's output and the rotated target.
        y = [f32(v) for v in predicted]
        target = [f32(v) for v in case["target"]]
        total, squared = 0.0, 0.0
        for p, t in zip(y, target):  # the page's order and f64 arithmetic
            d = p - t
            squared += d * d
            total += p
        check(
            dom.get("prediction-fnv", {}).get("text", "").strip() == fnv1a(y),
            f"{name}: prediction bit for bit (f32 fingerprint {fnv1a(y)})",
            dom.get("prediction-fnv", {}).get("text", "").strip(),
        )
        check_number(dom, "prediction-checksum", total, 4, f"{name}: prediction sum")
        check_number(dom, "mse", squared / len(y), 4, f"{name}: MSE against the rotated truth")
        check_number(dom, "e-prime", f32(case["e_prime"]), 4, f"{name}: live E' (M = {case['m']})")
        check_number(dom, "e", f32(case["e"]), 4, f"{name}: live E")
        shown_m = dom.get("e-prime-m", {}).get("text", "").strip()
        check(shown_m == str(case["m"]), f"{name}: M = {case['m']} shown", shown_m)
        golden = dom.get("golden", {}).get("text", "")
        check("reproduced bit for bit" in golden, f"{name}: golden vectors in the page", golden)


def error(text, dom_path):
    dom = parse(dom_path)
    status = dom.get("status", {}).get("text", "").strip()
    shown = dom.get("error", {}).get("text", "").strip()
    hidden = "hidden" in dom.get("error", {}).get("attrs", {})
    check(
        status == "error" and text in shown and not hidden and "sample" in dom,
        f"bad model: the page shows an error with {text!r} and its controls",
        f"status {status!r}: {shown}",
    )


def main(argv):
    if len(argv) >= 4 and argv[0] == "prediction":
        prediction(argv[1], argv[2], argv[3:])
    elif len(argv) == 3 and argv[0] == "error":
        error(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
