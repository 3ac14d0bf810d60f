// The campaign form's language tabs (WAI-ARIA tabs: arrows, Home and End move between
// them). Without this script every language's fields show one after the other. Choosing
// a tab also tells the live preview which language to render.
(function () {
  "use strict";
  function setUp(tabs) {
    var buttons = Array.prototype.slice.call(tabs.querySelectorAll("[role=tab]"));
    var language = document.getElementById("preview-language");
    var prefix = document.getElementById("preview-prefix");
    var own = tabs.dataset.prefix || "";
    // `announce`: the preview follows (not when the page first draws the tabs)
    function show(button, focus, announce) {
      buttons.forEach(function (other) {
        var selected = other === button;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.tabIndex = selected ? 0 : -1;
        document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
      });
      if (focus) button.focus();
      if (!announce || !language) return;
      if (language.value !== button.dataset.lang || (prefix && prefix.value !== own)) {
        language.value = button.dataset.lang;
        if (prefix) prefix.value = own;
        document.body.dispatchEvent(new CustomEvent("campaign:tab", { bubbles: true }));
      }
    }
    var first = buttons.filter(function (b) { return b.getAttribute("aria-selected") === "true"; })[0] || buttons[0];
    show(first, false, false);
    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () { show(button, false, true); });
      button.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = buttons[(index + 1) % buttons.length];
        if (event.key === "ArrowLeft") next = buttons[(index - 1 + buttons.length) % buttons.length];
        if (event.key === "Home") next = buttons[0];
        if (event.key === "End") next = buttons[buttons.length - 1];
        if (next) { event.preventDefault(); show(next, true, true); }
      });
    });
    // a text typed in a tab marks it as written
    tabs.addEventListener("input", function (event) {
      var panel = event.target.closest("[role=tabpanel]");
      if (!panel) return;
      var tab = document.getElementById(panel.getAttribute("aria-labelledby"));
      var text = panel.querySelector("textarea[name*=text_]");
      tab.classList.toggle("filled", !!(text && text.value.trim()));
    });
  }
  document.querySelectorAll("[data-tabs]").forEach(setUp);
  // typing in a variant's fields previews that variant
  document.addEventListener("focusin", function (event) {
    var tabs = event.target.closest && event.target.closest("[data-tabs]");
    var panel = event.target.closest && event.target.closest("[role=tabpanel]");
    var language = document.getElementById("preview-language");
    var prefix = document.getElementById("preview-prefix");
    if (!tabs || !panel || !language || !prefix) return;
    if (prefix.value !== (tabs.dataset.prefix || "") || language.value !== panel.dataset.lang) {
      prefix.value = tabs.dataset.prefix || "";
      language.value = panel.dataset.lang;
      document.body.dispatchEvent(new CustomEvent("campaign:tab", { bubbles: true }));
    }
  });
})();
