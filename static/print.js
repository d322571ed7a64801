// A "Print" button on a printed notice (templates/notices/_sheet.html): shown only when
// scripts run; without them the page says to use the browser's Print command.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
