/* The receipt page (templates/voting/receipt.html): copy and print buttons, and the code kept in this
   history entry's #fragment only, so reload and Back show it again without the server (which does not
   keep it) ever receiving it. First-party file: the CSP allows no inline script. */
(function () {
  "use strict";
  var CODE = /^[0-9a-f]{4}(-[0-9a-f]{4}){4}$/;

  function show(box, code) {
    box.querySelector("#receipt").textContent = code;
    box.querySelector("#receipt-copy").value = code;
    box.querySelector("input[name=code]").value = code;
    box.querySelector("#receipt-shown").hidden = false;
    box.querySelector("#receipt-gone").hidden = true;
  }

  function copy(box, button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = box.querySelector("[data-copied]");
    function done() { status.textContent = status.getAttribute("data-copied"); }
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  }

  function init() {
    var box = document.querySelector(".receipt-page");
    if (!box || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    var code = box.getAttribute("data-receipt");
    if (CODE.test(code)) {
      history.replaceState(null, "", box.getAttribute("data-keep") + "#" + code);
    } else {
      code = decodeURIComponent(location.hash.slice(1));
      if (!CODE.test(code)) return;
      show(box, code);
    }
    var copyButton = box.querySelector("[data-copy]");
    var printButton = box.querySelector("[data-print]");
    copyButton.hidden = false;
    printButton.hidden = !window.print;
    copyButton.addEventListener("click", function () { copy(box, copyButton); });
    printButton.addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init);
})();
