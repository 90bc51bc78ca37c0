"""Sending (AT+CMGS -> /sent) and receiving (/mo -> +CMTI, AT+CMGL/CMGR/CMGD) over a pty."""

from __future__ import annotations

import re

import pytest

from fixtures_sim import AtPort, SimPty
from modembridge.sms import Deliver, StatusReport, combine_parts, decode_pdu, encode_submit_pdus

CMGL_RE = re.compile(rb"\+CMGL: (\d+),(\d),,(\d+)\r\n([0-9A-F]+)\r\n")


def send_text(port: AtPort, to: str, text: str, *, report: bool = True) -> list[bytes]:
    return port.send_sms(to, text, report=report)


def listing(port: AtPort, stat: int = 4) -> list[tuple[int, int, int, str]]:
    reply = port.cmd(f"AT+CMGL={stat}")
    assert reply.endswith(b"\r\nOK\r\n")
    return [(int(i), int(s), int(n), p.decode()) for i, s, n, p in CMGL_RE.findall(reply)]


def test_cmgs_single_part_appears_in_sent(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CMGF=0")
    assert send_text(port, "+15551234567", "hello") == [b"\r\n+CMGS: 1\r\n\r\nOK\r\n"]
    [message] = sim_pty.sent()
    assert message["to"] == "+15551234567"
    assert message["text"] == "hello"
    assert message["encoding"] == "gsm7"
    assert message["parts"] == 1
    assert message["references"] == [1]
    assert len(message["pdus"]) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", message["at"])


def test_multipart_emoji_is_grouped_once_complete(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    text = "Grüße 👋🏽 from the café! " * 6 + "🇫🇷 end"
    pdus = encode_submit_pdus("+15551234567", text, reference=42)
    assert len(pdus) > 1
    for number, pdu in enumerate(pdus, start=1):
        assert sim_pty.sent() == []  # nothing until the last part
        assert port.cmd(f"AT+CMGS={pdu.tpdu_length}") == b"\r\n> "
        port.send(pdu.hex.encode() + b"\x1a")
        assert port.read_until(b"OK\r\n") == f"\r\n+CMGS: {number}\r\n\r\nOK\r\n".encode()
    [message] = sim_pty.sent()
    assert message["text"] == text
    assert message["encoding"] == "ucs2"
    assert message["parts"] == len(pdus)
    assert message["references"] == list(range(1, len(pdus) + 1))
    assert message["pdus"] == [p.hex for p in pdus]


def test_echoed_pdu_and_prompt_with_echo_on(sim_pty: SimPty) -> None:
    port = sim_pty.at()
    [pdu] = encode_submit_pdus("+15551234567", "hi", reference=0)
    assert port.cmd(f"AT+CMGS={pdu.tpdu_length}") == f"AT+CMGS={pdu.tpdu_length}\r\r\n> ".encode()
    port.send(pdu.hex.encode() + b"\x1a")
    assert port.read_until(b"OK\r\n") == pdu.hex.encode() + b"\r\n+CMGS: 1\r\n\r\nOK\r\n"


@pytest.mark.parametrize(
    ("length_delta", "body"),
    [(1, None), (-1, None), (0, b"00ZZ"), (0, b"0011223"), (0, b"")],
)
def test_bad_pdus_get_cms_304(sim_pty: SimPty, length_delta: int, body: bytes | None) -> None:
    port = sim_pty.at(echo=False)
    [pdu] = encode_submit_pdus("+15551234567", "hello", reference=0)
    assert port.cmd(f"AT+CMGS={pdu.tpdu_length + length_delta}") == b"\r\n> "
    port.send((pdu.hex.encode() if body is None else body) + b"\x1a")
    assert port.read_until(b"\r\n+CMS ERROR: 304\r\n") == b"\r\n+CMS ERROR: 304\r\n"
    assert sim_pty.sent() == []


def test_a_deliver_pdu_typed_at_the_prompt_is_refused(sim_pty: SimPty) -> None:
    sim_pty.mo("+15550001111", "not a submit")
    port = sim_pty.at(echo=False)
    [(_, _, length, pdu)] = listing(port)
    port.cmd(f"AT+CMGS={length}")
    port.send(pdu.encode() + b"\x1a")
    assert port.read_until(b"\r\n") + port.read_until(b"\r\n") == b"\r\n+CMS ERROR: 304\r\n"


def test_esc_aborts_the_prompt(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CMGS=20") == b"\r\n> "
    port.send(b"0011\x1b")
    assert port.read_until(b"OK\r\n") == b"\r\nOK\r\n"
    assert port.cmd("AT") == b"\r\nOK\r\n"
    assert sim_pty.sent() == []


@pytest.mark.parametrize("sim_pty", [{"first_reference": 255}], indirect=True)
def test_message_reference_wraps_at_256(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    answers = send_text(port, "+15551234567", "one") + send_text(port, "+15551234567", "two")
    assert answers == [b"\r\n+CMGS: 255\r\n\r\nOK\r\n", b"\r\n+CMGS: 0\r\n\r\nOK\r\n"]


def test_mo_is_stored_listed_read_and_deleted(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CNMI=2,1,0,1,0") == b"\r\nOK\r\n"
    assert sim_pty.mo("+15550001111", "DISCOUNT") == {"parts": 1, "stored": [1], "pending_mo": 0}
    assert port.read_until(b'\r\n+CMTI: "SM",1\r\n') == b'\r\n+CMTI: "SM",1\r\n'
    [(index, stat, length, pdu)] = listing(port)
    assert (index, stat) == (1, 0)
    decoded = decode_pdu(pdu)
    assert isinstance(decoded, Deliver)
    assert (decoded.sender, decoded.text) == ("+15550001111", "DISCOUNT")
    assert length == len(pdu) // 2 - 1 - int(pdu[:2], 16)
    assert listing(port, 0) == []  # listing marked it read
    assert listing(port, 1)[0][:2] == (1, 1)
    assert port.cmd("AT+CMGR=1") == f"\r\n+CMGR: 1,,{length}\r\n{pdu}\r\n\r\nOK\r\n".encode()
    assert port.cmd("AT+CMGD=1") == b"\r\nOK\r\n"
    assert listing(port) == []
    assert port.cmd("AT+CMGR=1") == b"\r\n+CMS ERROR: 321\r\n"


def test_no_cmti_without_cnmi_mt_1_but_held_ones_flush_when_enabled(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    assert port.cmd("AT+CNMI?") == b"\r\n+CNMI: 0,0,0,0,0\r\n\r\nOK\r\n"
    sim_pty.mo("+15550001111", "silent")
    assert port.drain(0.2) == b""  # mt=0: stored without an indication
    port.cmd("AT+CNMI=0,1,0,0,0")
    sim_pty.mo("+15550001111", "held")
    assert port.drain(0.2) == b""  # mode 0: indications stay buffered in the modem
    assert port.cmd("AT+CNMI=2,1,0,0,0") == b"\r\nOK\r\n"
    assert port.read_until(b'+CMTI: "SM",2\r\n') == b'\r\n+CMTI: "SM",2\r\n'
    assert [entry[0] for entry in listing(port)] == [1, 2]


def test_long_mo_is_stored_as_parts_even_out_of_order(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CNMI=2,1,0,0,0")
    text = "Part of a long incoming message. " * 10
    result = sim_pty.mo("+15550001111", text, parts_out_of_order=True)
    assert result["parts"] == 3 and result["stored"] == [1, 2, 3]
    for index in (1, 2, 3):
        port.read_until(f'+CMTI: "SM",{index}\r\n'.encode())
    parts = [decode_pdu(pdu) for _, _, _, pdu in listing(port)]
    assert all(isinstance(p, Deliver) for p in parts)
    sequences = [p.concat.sequence for p in parts if isinstance(p, Deliver) and p.concat]
    assert sequences != sorted(sequences)
    assert combine_parts([p for p in parts if isinstance(p, Deliver)]).text == text


@pytest.mark.parametrize("sim_pty", [{"slots": 2}], indirect=True)
def test_full_storage_keeps_mo_in_the_network_until_a_slot_frees(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CNMI=2,1,0,0,0")
    for n in range(3):
        sim_pty.mo("+15550001111", f"message {n}")
    port.read_until(b'+CMTI: "SM",2\r\n')
    state = sim_pty.state()
    assert state["storage"] == {"used": 2, "total": 2}
    assert state["pending_mo"] == 1
    assert port.cmd("AT+CPMS?") == b'\r\n+CPMS: "SM",2,2,"SM",2,2,"SM",2,2\r\n\r\nOK\r\n'
    assert port.cmd("AT+CMGD=1") == b"\r\nOK\r\n"
    # CNMI mode 2: the indication waits until the command has finished
    assert port.read_until(b'"SM",1\r\n') == b'\r\n+CMTI: "SM",1\r\n'
    assert sim_pty.state()["pending_mo"] == 0
    texts = [decode_pdu(pdu).text for *_, pdu in listing(port)]  # type: ignore[union-attr]
    assert texts == ["message 2", "message 1"]


def test_cmgd_flags_and_test_command(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    for n in range(3):
        sim_pty.mo("+15550001111", f"m{n}")
    port.cmd("AT+CMGR=2")  # marks index 2 read
    assert port.cmd("AT+CMGD=?") == b"\r\n+CMGD: (1,2,3),(0-4)\r\n\r\nOK\r\n"
    assert port.cmd("AT+CMGD=1,1") == b"\r\nOK\r\n"  # all read messages
    assert [entry[0] for entry in listing(port, 4)] == [1, 3]
    assert port.cmd("AT+CMGD=1,4") == b"\r\nOK\r\n"
    assert listing(port) == []
    assert port.cmd("AT+CMGD=99") == b"\r\n+CMS ERROR: 321\r\n"


def test_cpms_selects_memories(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CNMI=2,1,0,0,0")
    assert port.cmd("AT+CPMS=?") == (
        b'\r\n+CPMS: ("SM","ME","SR","MT"),("SM","ME","MT"),("SM","ME","MT")\r\n\r\nOK\r\n'
    )
    assert port.cmd('AT+CPMS="ME","ME","ME"') == b"\r\n+CPMS: 0,50,0,50,0,50\r\n\r\nOK\r\n"
    sim_pty.mo("+15550001111", "to the modem memory")
    assert port.read_until(b'"ME",1\r\n') == b'\r\n+CMTI: "ME",1\r\n'
    assert port.cmd('AT+CPMS="XX"') == b"\r\n+CMS ERROR: 302\r\n"
    assert port.cmd('AT+CPMS="SM","SR"') == b"\r\n+CMS ERROR: 302\r\n"


def test_status_report_as_cds_with_ds_1(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CNMI=2,1,0,1,0")
    send_text(port, "+15551234567", "report me")
    assert sim_pty.dlr(1, "delivered")["routed"] == "cds"
    header = port.read_until(re.compile(rb"\+CDS: \d+\r\n"))
    pdu = port.read_until(b"\r\n").strip().decode()
    assert header.startswith(b"\r\n+CDS: ")
    report = decode_pdu(pdu)
    assert isinstance(report, StatusReport)
    assert (report.message_reference, report.recipient) == (1, "+15551234567")
    assert report.outcome == "delivered"
    sim_pty.dlr(1, "failed")
    port.read_until(re.compile(rb"\+CDS: \d+\r\n"))
    failed = decode_pdu(port.read_until(b"\r\n").strip().decode())
    assert isinstance(failed, StatusReport) and failed.outcome == "failed"


def test_status_report_stored_with_ds_2_and_dropped_with_ds_0(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    port.cmd("AT+CNMI=2,1,0,2,0")
    send_text(port, "+15551234567", "report me")
    assert sim_pty.dlr(1, "delivered") == {
        "reference": 1,
        "status": 0,
        "routed": "cdsi",
        "index": 1,
    }
    assert port.read_until(b'+CDSI: "SR",1\r\n') == b'\r\n+CDSI: "SR",1\r\n'
    port.cmd('AT+CPMS="SR"')
    [(_, _, _, pdu)] = listing(port)
    assert isinstance(decode_pdu(pdu), StatusReport)
    port.cmd("AT+CNMI=2,1,0,0,0")
    assert sim_pty.dlr(1, "delivered")["routed"] == "dropped"


def test_no_report_requested_means_no_dlr(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    send_text(port, "+15551234567", "quiet", report=False)
    status, body = sim_pty.request("POST", "/dlr", {"reference": 1, "status": "delivered"})
    assert status == 404 and body["error"]["code"] == "unknown_reference"


def test_text_mode_listing_and_send(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    sim_pty.mo("+15550001111", "Hello text mode")
    assert port.cmd("AT+CMGF=1") == b"\r\nOK\r\n"
    reply = port.cmd('AT+CMGL="ALL"')
    assert re.fullmatch(
        rb'\r\n\+CMGL: 1,"REC UNREAD","\+15550001111",,"\d\d/\d\d/\d\d,\d\d:\d\d:\d\d[+-]\d\d"'
        rb"\r\nHello text mode\r\n\r\nOK\r\n",
        reply,
    ), reply
    assert port.cmd('AT+CMGS="+15551234567"') == b"\r\n> "
    port.send(b"plain text\x1a")
    assert port.read_until(b"OK\r\n") == b"\r\n+CMGS: 1\r\n\r\nOK\r\n"
    assert sim_pty.sent()[0]["text"] == "plain text"


def test_cmgw_then_cmss_sends_a_stored_message(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    [pdu] = encode_submit_pdus("+15551234567", "stored first", reference=0)
    assert port.cmd(f"AT+CMGW={pdu.tpdu_length}") == b"\r\n> "
    port.send(pdu.hex.encode() + b"\x1a")
    assert port.read_until(b"OK\r\n") == b"\r\n+CMGW: 1\r\n\r\nOK\r\n"
    assert port.cmd("AT+CMSS=1") == b"\r\n+CMSS: 1\r\n\r\nOK\r\n"
    assert sim_pty.sent()[0]["text"] == "stored first"
    assert listing(port, 3)[0][:2] == (1, 3)  # STO SENT


@pytest.mark.parametrize("sim_pty", [{"sms_latency": 0.2}], indirect=True)
def test_send_latency_keeps_the_modem_busy_then_answers(sim_pty: SimPty) -> None:
    port = sim_pty.at(echo=False)
    [pdu] = encode_submit_pdus("+15551234567", "slow", reference=0)
    port.cmd(f"AT+CMGS={pdu.tpdu_length}")
    port.send(pdu.hex.encode() + b"\x1a" + b"AT\r")  # the AT waits for the send to finish
    assert port.read_until(b"OK\r\n") == b"\r\n+CMGS: 1\r\n\r\nOK\r\n"
    assert port.read_until(b"OK\r\n") == b"\r\nOK\r\n"
