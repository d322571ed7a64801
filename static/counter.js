/* Character counters on long fields (templates/_macros/forms.html, `limit`): a field with
   data-counter names its counter, which stays hidden without JavaScript (the hint "At most
   2,000 characters." says the limit then). What is seen follows every keystroke; what a screen
   reader hears (aria-live="polite") is said once typing pauses, not on every key.
   First-party file: the CSP allows no inline script. Works after htmx swaps too. */
(function () {
  "use strict";
  var PAUSE_MS = 1200;

  function text(box, n) {
    return box.getAttribute("data-text").replace("{n}", n).replace("{max}", box.getAttribute("data-limit"));
  }

  function update(field, box, announce) {
    var n = field.value.length;
    box.firstChild.textContent = text(box, n);
    box.classList.toggle("full", n >= Number(box.getAttribute("data-limit")));
    if (announce) box.lastChild.textContent = text(box, n);
  }

  function bind(field) {
    var box = document.getElementById(field.getAttribute("data-counter"));
    if (!box || field.getAttribute("data-counting")) return;
    field.setAttribute("data-counting", "1");
    var timer = null;
    box.hidden = false;
    update(field, box, false);
    field.addEventListener("input", function () {
      update(field, box, false);
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { update(field, box, true); }, PAUSE_MS);
    });
  }

  function init(root) {
    var fields = (root || document).querySelectorAll("[data-counter]");
    for (var i = 0; i < fields.length; i++) bind(fields[i]);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.target); });
})();
