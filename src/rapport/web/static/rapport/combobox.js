// Search-as-you-type pickers (templates/web/combobox.html): an <input role=combobox> whose
// listbox htmx fills from an options endpoint; this script moves through the options with
// the arrow keys, picks one with Enter, a click or a tap, closes with Escape, and keeps the
// chosen record's id in the hidden input next to it (cleared again when the text changes).
(function () {
  "use strict";

  function parts(el) {
    var box = el && el.closest ? el.closest("[data-combobox]") : null;
    if (!box) return null;
    return {
      box: box,
      input: box.querySelector("[role=combobox]"),
      value: box.querySelector("[data-combobox-value]"),
      list: box.querySelector("[role=listbox]"),
    };
  }

  function options(c) {
    return Array.prototype.slice.call(c.list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function setOpen(c, open) {
    c.list.hidden = !open;
    c.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) activate(c, null);
  }

  function activate(c, option) {
    c.list.querySelectorAll("[role=option][aria-selected=true]").forEach(function (o) {
      o.setAttribute("aria-selected", "false");
    });
    if (option) {
      option.setAttribute("aria-selected", "true");
      c.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      c.input.removeAttribute("aria-activedescendant");
    }
  }

  function pick(c, option) {
    c.value.value = option.dataset.value;
    c.input.value = option.dataset.label;
    c.input.removeAttribute("aria-invalid");
    setOpen(c, false);
    c.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function move(c, step) {
    var all = options(c);
    if (!all.length) return;
    var current = all.indexOf(c.list.querySelector("[role=option][aria-selected=true]"));
    var next = current < 0 ? (step > 0 ? 0 : all.length - 1) : (current + step + all.length) % all.length;
    activate(c, all[next]);
  }

  // htmx filled a listbox: give its options ids and show it.
  document.addEventListener("htmx:afterSwap", function (e) {
    var c = parts(e.target);
    if (!c || e.target !== c.list) return;
    c.list.querySelectorAll("[role=option]").forEach(function (o, i) { o.id = c.list.id + "-" + i; });
    setOpen(c, document.activeElement === c.input);
  });

  document.addEventListener("input", function (e) {
    var c = parts(e.target);
    if (c && e.target === c.input && c.value.value) {
      c.value.value = "";  // the text no longer names the chosen record
      c.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  document.addEventListener("keydown", function (e) {
    var c = parts(e.target);
    if (!c || e.target !== c.input) return;
    var open = !c.list.hidden;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) {
        if (options(c).length) setOpen(c, true);
        else htmx.trigger(c.input, "combobox:open");
        return;
      }
      move(c, e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter" && open) {
      var active = c.list.querySelector("[role=option][aria-selected=true]");
      var all = options(c);
      e.preventDefault();  // never submit the form while choosing
      if (active || all.length === 1) pick(c, active || all[0]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(c, false);
    }
  });

  // Keep the focus in the input while a pointer (mouse, finger, pen) presses an option.
  document.addEventListener("pointerdown", function (e) {
    var c = parts(e.target);
    if (c && c.list.contains(e.target)) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var c = parts(e.target);
    if (!c || !c.list.contains(e.target)) return;
    var option = e.target.closest("[role=option]");
    if (option && option.getAttribute("aria-disabled") !== "true") pick(c, option);
  });

  document.addEventListener("focusout", function (e) {
    var c = parts(e.target);
    if (!c || e.target !== c.input) return;
    setTimeout(function () { if (!c.box.contains(document.activeElement)) setOpen(c, false); }, 150);
  });
})();
