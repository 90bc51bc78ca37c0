"""Hypothesis: any split of a modem byte stream yields exactly the events of the whole stream."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from modembridge.at import AtParser, Event, FinalResult, Garbage, Prompt, Urc

PDU = b"07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"
REPORT = b"07914487200030230006D60B911326880736F4111011719551401110117195714000"

# (command, expect_prompt, stream): realistic exchanges with noise in the middle.
SCENARIOS: list[tuple[str | None, bool, bytes]] = [
    (
        "AT+CMGL=4",
        False,
        b'AT+CMGL=4\r\r\n+CMGL: 1,1,"",38\r\n' + PDU + b'\r\n\r\n+CMTI: "SM",3\r\n'
        b"\r\n^RSSI:18\r\n+CMGL: 2,0,,38\r\n\r\n+CDS: 34\r\n" + REPORT + b"\r\n" + PDU + b"\r\n"
        b"\xff\x00\x81junk\r\n\r\nOK\r\n\r\n+CREG: 1\r\n",
    ),
    (
        "AT+CMGS=38",
        True,
        b"AT+CMGS=38\r\r\n\r\n+CDS: 34\r\n" + REPORT + b"\r\n> " + PDU + b"\x1a\r\n"
        b"\r\n^RSSI:20\r\n\r\n+CMGS: 17\r\n\r\nOK\r\n",
    ),
    ("AT+CMGS=38", True, b"\r\n> \r\n\r\n+CMS ERROR: SIM busy\r\n"),
    ("AT+CMGS=38", True, b"\r\n>\r\n\r\n+CMS ERROR: 500\r\n"),
    (
        "AT+CPIN?",
        False,
        b"AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\n+CME ERROR: SIM PIN required\r\n\r\n+CPIN: READY\r\n",
    ),
    (
        None,
        False,
        b"\x00\xff\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n"
        b"\r\nSMS Ready\r\n"
        b"\r\n+CDS: 34\r\nNOT HEX\r\n\r\n+CMT: ,38\r\n" + PDU + b"\r\nNO CARRIER\r\n",
    ),
    (
        "AT+CSQ",
        False,
        b"\r\n" + b"X" * 300 + b"\r\n+CSQ: 18,99\r\n" + b"\x80" * 50 + b"\rOK\r",
    ),
    (
        'AT+CUSD=1,"*100#",15',
        False,
        b'AT+CUSD=1,"*100#",15\r\r\nOK\r\n\r\n+CUSD: 0,"Balance 5.00",15\r\n'
        b'\r\n+CUSD: 1,"1. Balance\r\n2. Bundles\r\n\r\n3. Exit",15\r\n'
        b'\r\n+CUSD: 0,"cut\r\nRDY\r\n',
    ),
]


def feed_split(parser: AtParser, data: bytes, cuts: list[int]) -> list[Event]:
    events: list[Event] = []
    start = 0
    for cut in sorted(set(cuts)):
        events += parser.feed(data[start:cut])
        start = cut
    events += parser.feed(data[start:])
    return events


def parse(
    command: str | None, prompt: bool, data: bytes, cuts: list[int], max_line: int = 128
) -> list[Event]:
    parser = AtParser(max_line=max_line)
    if command is not None:
        parser.command_started(command, expect_prompt=prompt)
    events = feed_split(parser, data, cuts)
    return events + parser.flush()


@st.composite
def scenario_and_cuts(draw: st.DrawFn) -> tuple[str | None, bool, bytes, list[int]]:
    command, prompt, data = draw(st.sampled_from(SCENARIOS))
    cuts = draw(st.lists(st.integers(min_value=0, max_value=len(data)), max_size=40))
    return command, prompt, data, cuts


@settings(max_examples=300, deadline=None)
@given(scenario_and_cuts())
def test_any_split_of_a_scenario_gives_the_same_events(
    case: tuple[str | None, bool, bytes, list[int]],
) -> None:
    command, prompt, data, cuts = case
    assert parse(command, prompt, data, cuts) == parse(command, prompt, data, [])


def test_one_byte_at_a_time_gives_the_same_events() -> None:
    for command, prompt, data in SCENARIOS:
        whole = parse(command, prompt, data, [])
        assert parse(command, prompt, data, list(range(len(data)))) == whole
        assert whole, "every scenario produces events"


def test_scenarios_produce_what_we_expect() -> None:
    command, prompt, data = SCENARIOS[0]
    events = parse(command, prompt, data, [])
    assert sum(isinstance(e, Garbage) for e in events) == 1
    assert [e.name for e in events if isinstance(e, Urc)] == ["+CMTI", "^RSSI", "+CDS", "+CREG"]
    assert FinalResult("OK", None, "OK") in events
    command, prompt, data = SCENARIOS[1]
    assert Prompt() in parse(command, prompt, data, [])


FRAGMENTS = [
    b"AT+CMGL=4\r",
    b"\r\n",
    b"\r",
    b"\n",
    b"+CMGL: 1,0,,38\r\n",
    PDU + b"\r\n",
    b'\r\n+CMTI: "SM",3\r\n',
    b"\r\n+CDS: 34\r\n",
    REPORT,
    b"> ",
    b">",
    b"\x1a",
    b"\r\n^RSSI:18\r\n",
    b"\xff\x00",
    b"\x1b",
    b"Z" * 70,
    b"OK\r\n",
    b"+CME ERROR: SIM busy\r\n",
    b"ERROR",
    b"RING",
    b'+CUSD: 0,"open\r\n',
    b'",15\r\n',
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=30),
    st.sampled_from([("AT+CMGL=4", False), ("AT+CMGS=38", True), (None, False)]),
    st.data(),
)
def test_any_split_of_random_fragment_soup(
    parts: list[bytes], context: tuple[str | None, bool], data: st.DataObject
) -> None:
    stream = b"".join(parts)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=30))
    command, prompt = context
    whole = parse(command, prompt, stream, [], max_line=64)
    assert parse(command, prompt, stream, cuts, max_line=64) == whole


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.data())
def test_arbitrary_bytes_never_raise_and_split_consistently(
    stream: bytes, data: st.DataObject
) -> None:
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=20))
    whole = parse("AT+CMGS=38", True, stream, [], max_line=32)
    assert parse("AT+CMGS=38", True, stream, cuts, max_line=32) == whole
    # the parser is back in sync after any noise
    parser = AtParser(max_line=32)
    parser.feed(stream)
    assert parser.feed(b"\r\nOK\r\n")[-1] == FinalResult("OK", None, "OK")


TOKENS = [
    b">",
    b" ",
    b"\r",
    b"\n",
    b"+CDS: 3",
    b'+CUSD: 0,"',
    b'"',
    b"AB",
    b"OK",
    b"\x1a",
    b"\xff",
    b'+CMTI: "SM",1',
    b"AT+CMGS=38",
    b"RING",
    b"Z" * 9,
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(TOKENS), max_size=40),
    st.integers(min_value=4, max_value=20),
    st.sampled_from([("AT+CMGS=38", True), (None, False), ("AT+CUSD=1", False)]),
    st.data(),
)
def test_any_split_of_token_soup(
    parts: list[bytes], max_line: int, context: tuple[str | None, bool], data: st.DataObject
) -> None:
    stream = b"".join(parts)
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=40))
    command, prompt = context
    whole = parse(command, prompt, stream, [], max_line=max_line)
    assert parse(command, prompt, stream, cuts, max_line=max_line) == whole
