// "Copy" buttons: a button with data-copy="ID" copies the value of the field with that id
// and says so (its own text for a moment, and the page's live region). Delegated from the
// document, so buttons that arrive later through htmx work too. Without the clipboard API
// (a page not served over https) the field's text is selected for the person to copy.
(function () {
  "use strict";
  if (window.rapportCopy) return;
  window.rapportCopy = true;
  function said(button) {
    var label = button.textContent;
    var done = button.dataset.copied || label;
    button.textContent = done;
    var region = document.getElementById("announcer");
    if (region) region.textContent = done;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copy);
    if (!field) return;
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { said(button); }, function () { field.select(); });
    } else {
      try { if (document.execCommand("copy")) said(button); } catch (e) { /* left selected */ }
    }
  });
})();
