/* One-key decisions on the candidate queue (progressive enhancement: the page works without it).
   j / k move between candidates; a accept, r reject, d defer; n puts the cursor in
   the note field (Enter there saves the note). Decisions are posted with the page's form fields
   (CSRF token included) and saved at once; a failure falls back to the plain form submit. */
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll(".candidate"));
  if (!cards.length) { return; }
  var current = 0;
  var KEYS = { a: "accept", r: "reject", d: "defer" };
  var WORDS = { accept: "Accepted", reject: "Rejected", defer: "Deferred", note: "Note saved" };

  function select(i) {
    if (i < 0 || i >= cards.length) { return; }
    cards[current].classList.remove("selected");
    current = i;
    cards[current].classList.add("selected");
    cards[current].scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  function nextOpen(from) {
    for (var i = from + 1; i < cards.length; i++) { if (!cards[i].classList.contains("decided")) { return i; } }
    return from;
  }

  function decide(card, decision) {
    var form = card.querySelector("form.decide");
    var button = form.querySelector('button[value="' + decision + '"]');
    var data = new FormData(form);
    data.set("decision", decision);
    var out = form.querySelector(".result");
    out.classList.remove("failed");
    out.textContent = "Saving…";
    var answered = false;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (resp) {
        answered = true;
        return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
      })
      .then(function (res) {
        if (!res.ok) { throw new Error(res.body.error || "the server refused it"); }
        var d = res.body.decision;
        out.textContent = (WORDS[decision] || decision) + " — saved by " + (d.reviewer || "(no name)") + ".";
        // This reviewer has now seen their own decision: changing their mind is not a conflict.
        var seen = form.querySelector('input[name="seen"]');
        if (seen && decision !== "note") { seen.value = d.id; }
        if (decision !== "note") {
          card.classList.add("decided");
          select(nextOpen(cards.indexOf(card)));
        }
      })
      .catch(function (e) {
        out.classList.add("failed");
        out.textContent = "Not saved: " + e.message;
        // No answer at all (network or script trouble): send the plain form instead.
        if (!answered && button) { button.click(); }
      });
  }

  cards.forEach(function (card, i) {
    card.addEventListener("click", function () { select(i); });
    var note = card.querySelector("input.note");
    if (note) {
      note.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); decide(card, "note"); note.blur(); }
        if (ev.key === "Escape") { note.blur(); }
      });
    }
  });

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) { return; }
    var key = ev.key.toLowerCase();
    var card = cards[current];
    if (key === "j") { ev.preventDefault(); select(current + 1); }
    else if (key === "k") { ev.preventDefault(); select(current - 1); }
    else if (KEYS[key]) { ev.preventDefault(); decide(card, KEYS[key]); }
    else if (key === "n") { ev.preventDefault(); var n = card.querySelector("input.note"); if (n) { n.focus(); } }
  });

  cards[0].classList.add("selected");
})();
