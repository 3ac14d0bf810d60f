// The calendar: drag an activity onto another day (HTML5 drag and drop) and the same move its
// "Move to…" form posts is sent with htmx: the new day at the activity's time of day (the
// viewer's wall clock); the server answers with the calendar of the same period. For a
// repeating activity it answers first with a dialog asking "only this one, or this and the
// following?", opened here as a modal (the keyboard stays in it; Escape cancels).
(function () {
  "use strict";
  var dragged = null;
  var droppedAt = 0;  // when the last drag ended: the mouse-up of a drag is not a click

  function day(el) { return el && el.closest ? el.closest(".calendar-day") : null; }

  function clear() {
    document.querySelectorAll(".calendar-day.drop-target").forEach(function (d) { d.classList.remove("drop-target"); });
  }

  document.addEventListener("dragstart", function (e) {
    var item = e.target.closest && e.target.closest(".calendar-item[data-activity]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", item.dataset.activity);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    clear();
    dragged = null;
    droppedAt = Date.now();
  });

  // On a loaded machine a browser may deliver the drop's mouse-up as a click on the item's
  // link (seen in CI: the page left for the activity right after the move); links only, so
  // the keyboard's "Move to…" summary still opens.
  document.addEventListener("click", function (e) {
    if (Date.now() - droppedAt < 500 && e.target.closest && e.target.closest(".calendar-item a")) {
      e.preventDefault();
    }
  }, true);

  document.addEventListener("dragover", function (e) {
    var target = day(e.target);
    if (!target || !dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    clear();
    target.classList.add("drop-target");
  });

  function ask(root) {
    var dialog = root && root.querySelector ? root.querySelector("dialog[data-ask]") : null;
    if (!dialog) return;
    if (dialog.open) dialog.close();  // rendered open for a browser without scripts
    dialog.addEventListener("close", function () {
      if (!dialog.isConnected) return;  // answered: the new calendar replaced it
      // cancelled: back to the activity, which stayed where it was
      var link = document.querySelector(".calendar-item[data-activity='" + dialog.dataset.ask + "'] a");
      if (link) link.focus();
    });
    dialog.showModal();
  }

  document.addEventListener("DOMContentLoaded", function () { ask(document); });
  document.addEventListener("htmx:afterSettle", function (e) { ask(e.detail.target); });

  document.addEventListener("drop", function (e) {
    var target = day(e.target);
    if (!target || !dragged) return;
    e.preventDefault();
    clear();
    var item = dragged;
    if (day(item) === target) return;
    var box = document.getElementById("calendar");
    var values = { activity: item.dataset.activity, due_at: target.dataset.day + "T" + item.dataset.time };
    new FormData(document.getElementById("calendar-period")).forEach(function (v, k) { values[k] = v; });
    target.querySelector("ul").append(item);  // show it where it was dropped while we wait
    htmx.ajax("POST", box.dataset.moveUrl, { source: box, target: "#calendar", swap: "innerHTML", values: values });
  });
})();
