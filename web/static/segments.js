// Live SMS segment counter for message boxes: encoding, parts, characters left in the last
// part and the characters that force UCS-2. It mirrors modembridge/sms (gsm7.py tables and
// segments.py plan_segments); tests/test_browser_segments.py checks both agree.
(function () {
  "use strict";

  // GSM 03.38 basic table, index = septet value (0x1B is the escape, not a character).
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅå" + "Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ" + " !\"#¤%&'()*+,-./" +
    "0123456789:;<=>?" + "¡ABCDEFGHIJKLMNO" + "PQRSTUVWXYZÄÖÑÜ§" + "¿abcdefghijklmno" +
    "pqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€"; // two septets each (ESC + code)
  var SINGLE = { gsm7: 160, ucs2: 70 };
  var CONCAT = { gsm7: 153, ucs2: 67 }; // after the 8-bit concatenation header

  var septets = new Map();
  Array.from(BASIC).forEach(function (ch, i) { if (i !== 0x1b) { septets.set(ch, 1); } });
  Array.from(EXTENSION).forEach(function (ch) { septets.set(ch, 2); });

  function gsmCost(ch) { return septets.get(ch); }
  function ucsCost(ch) { return ch.length; } // UTF-16 code units: 2 for emoji

  function forcingChars(text) {
    var seen = [];
    Array.from(text).forEach(function (ch) {
      if (!septets.has(ch) && seen.indexOf(ch) < 0) { seen.push(ch); }
    });
    return seen;
  }

  // Clusters a part boundary must not cut: CR LF for GSM-7, grapheme clusters for UCS-2.
  function clusters(text, gsm) {
    if (!gsm && typeof Intl !== "undefined" && Intl.Segmenter) {
      var segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
      return Array.from(segmenter.segment(text), function (s) { return s.segment; });
    }
    var out = [];
    Array.from(text).forEach(function (ch) {
      if (ch === "\n" && out.length && out[out.length - 1] === "\r") {
        out[out.length - 1] = "\r\n";
      } else {
        out.push(ch);
      }
    });
    return out;
  }

  function units(text, cost) {
    return Array.from(text).reduce(function (sum, ch) { return sum + cost(ch); }, 0);
  }

  // Greedy split on cluster boundaries, as segments.py `_split` does.
  function split(pieces, perPart, cost) {
    var parts = 0;
    var used = 0;
    pieces.forEach(function (piece) {
      var size = units(piece, cost);
      if (used + size <= perPart) { used += size; return; }
      if (used) { parts += 1; used = 0; }
      if (size <= perPart) { used = size; return; }
      Array.from(piece).forEach(function (ch) { // a cluster longer than a part
        if (used + cost(ch) > perPart) { parts += 1; used = 0; }
        used += cost(ch);
      });
    });
    return { parts: parts + 1, used: used };
  }

  function plan(text) {
    var forcing = forcingChars(text);
    var encoding = forcing.length ? "ucs2" : "gsm7";
    var cost = forcing.length ? ucsCost : gsmCost;
    var total = units(text, cost);
    if (total <= SINGLE[encoding]) {
      return {
        encoding: encoding, parts: text ? 1 : 0, perPart: SINGLE[encoding],
        unitsLeft: SINGLE[encoding] - total, forcing: forcing
      };
    }
    var result = split(clusters(text, !forcing.length), CONCAT[encoding], cost);
    return {
      encoding: encoding, parts: result.parts, perPart: CONCAT[encoding],
      unitsLeft: CONCAT[encoding] - result.used, forcing: forcing
    };
  }

  function codePoint(ch) {
    return "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  }

  function describe(output, text) {
    var p = plan(text);
    var label = p.encoding === "gsm7" ? "GSM-7" : "UCS-2";
    output.replaceChildren();
    var summary = document.createElement("span");
    summary.className = "summary";
    summary.textContent = label + " · " + p.parts + (p.parts === 1 ? " part" : " parts") +
      " · " + p.unitsLeft + " characters left";
    output.append(summary);
    if (p.forcing.length) {
      var why = document.createElement("span");
      why.className = "forcing";
      why.textContent = " · UCS-2 because of: ";
      p.forcing.forEach(function (ch) {
        var code = document.createElement("code");
        code.textContent = ch.trim() ? ch : codePoint(ch);
        code.title = codePoint(ch);
        why.append(code, " ");
      });
      output.append(why);
    }
    output.dataset.encoding = p.encoding;
    output.dataset.parts = String(p.parts);
  }

  function attach() {
    document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
      var output = document.getElementById(area.getAttribute("data-counter"));
      if (!output) { return; }
      var update = function () { describe(output, area.value); };
      area.addEventListener("input", update);
      update();
    });
  }

  window.modembridgeSegments = { plan: plan };
  document.addEventListener("DOMContentLoaded", attach);
})();
