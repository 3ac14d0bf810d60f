// After an htmx swap: say what happened and put the focus somewhere sensible, so keyboard and
// screen-reader users are not dropped on <body>.
// - An element marked `data-announce` in the new content is read out through #announcer.
// - An element marked `data-focus` in the new content takes the focus; after a board move the
//   moved card does (its title link), found by the id of the card the request came from.
// - Escape in the header search closes its results.
// - A table too wide for the screen scrolls sideways: its wrapper becomes a labelled, focusable
//   region so the keyboard can scroll it too.
(function () {
  "use strict";
  var movedCard = null;

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    // a fresh text node a moment later, so the same words twice are still read out
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function focus(el) {
    if (!el) return;
    if (!el.matches("a[href], button, input, select, textarea, [tabindex]")) el.setAttribute("tabindex", "-1");
    el.focus();
  }

  function scrollableTables(root) {
    root.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth || wrap.hasAttribute("tabindex")) return;
      var section = wrap.closest("article, section, main");
      var heading = section && section.querySelector("h1, h2, h3");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { scrollableTables(document); });
  document.addEventListener("htmx:afterSettle", function (e) { scrollableTables(e.detail.target || document); });

  document.addEventListener("htmx:beforeRequest", function (e) {
    var card = e.target.closest && e.target.closest(".deal-card");
    movedCard = card ? card.id : null;
  });

  // The focus moves only once the new content has settled: htmx wires up the swapped-in
  // elements (hx-post on a form, say) in its settle step, so a keyboard user who acts at once
  // on a control focused earlier would bypass htmx and submit the plain form.
  // one entry per response in flight: a panel loading lazily may swap and settle meanwhile
  var pending = new WeakMap();

  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.querySelector) return;
    var message = target.matches("[data-announce]") ? target : target.querySelector("[data-announce]");
    if (message) announce(message.textContent.trim());
    if (e.detail.xhr) pending.set(e.detail.xhr, { target: target, card: movedCard, source: e.detail.requestConfig && e.detail.requestConfig.elt });
    movedCard = null;
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var done = e.detail.xhr && pending.get(e.detail.xhr);
    if (!done) return;
    pending.delete(e.detail.xhr);
    var target = done.target, source = done.source;
    var card = done.card && document.getElementById(done.card);
    if (card && target.contains(card)) {
      focus(card.querySelector("a.deal-title") || card);
      return;
    }
    var wanted = target.querySelector("[data-focus]");
    if (wanted) focus(wanted);
    // the control that was used went away with the old content: stay in the updated part (a
    // panel that loaded itself took no focus from anyone and gets none)
    else if (source && !source.isConnected && document.activeElement === document.body &&
             source.matches("a, button, input, select, textarea, form")) focus(target);
  });

  function closeSearch() {
    var panel = document.getElementById("search-panel");
    if (panel) panel.innerHTML = "";
  }

  document.addEventListener("click", function (e) {
    if (!e.target.closest(".global-search")) closeSearch();
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var panel = document.getElementById("search-panel");
    if (panel && panel.closest(".global-search").contains(document.activeElement) && panel.innerHTML.trim()) {
      closeSearch();
      document.getElementById("global-q").focus();
    }
  });
})();
