// The pipeline board: drag a deal card to another column (HTML5 drag and drop) and the
// same move the "Move to…" menu posts is sent with htmx; the server answers with the board.
// Moving to a lost stage first asks for the reason in a dialog.
(function () {
  "use strict";
  var dragged = null;
  var dialog = document.getElementById("lost-dialog");
  var lostForm = document.getElementById("lost-form");
  var pendingUrl = null;

  function column(el) { return el && el.closest ? el.closest(".board-column") : null; }

  function send(url, values, source) {
    htmx.ajax("POST", url, { source: source || document.getElementById("board"), target: "#board", swap: "innerHTML", values: values });
  }

  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".deal-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.deal);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".board-column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
    dragged = null;
  });

  document.addEventListener("dragover", function (e) {
    var col = column(e.target);
    if (!col || !dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".board-column.drop-target").forEach(function (c) { if (c !== col) c.classList.remove("drop-target"); });
    col.classList.add("drop-target");
  });

  document.addEventListener("drop", function (e) {
    var col = column(e.target);
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.remove("drop-target");
    var card = dragged;
    if (column(card) === col) return;
    var owner = document.querySelector("#lost-form [name=board_owner]");
    var values = { stage: col.dataset.stage, version: card.dataset.version, board_owner: owner ? owner.value : "" };
    if (col.dataset.kind === "lost" && dialog && lostForm) {
      pendingUrl = card.dataset.moveUrl;
      lostForm.elements.stage.value = values.stage;
      lostForm.elements.version.value = values.version;
      lostForm.querySelector("[data-role=deal-title]").textContent = card.dataset.title;
      dialog.showModal();
      lostForm.elements.lost_reason.focus();
      return;
    }
    col.querySelector(".cards").prepend(card);  // show it where it was dropped while we wait
    send(card.dataset.moveUrl, values, card);
  });

  if (lostForm) {
    lostForm.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!lostForm.reportValidity() || !pendingUrl) return;
      var values = {};
      new FormData(lostForm).forEach(function (v, k) { values[k] = v; });
      dialog.close();
      send(pendingUrl, values, lostForm);
      pendingUrl = null;
    });
    lostForm.querySelector("[data-role=cancel]").addEventListener("click", function () {
      pendingUrl = null;
      lostForm.reset();
      dialog.close();
    });
  }
})();
