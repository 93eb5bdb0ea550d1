/* The region picker: suggestions come from the server (htmx); choosing one fills the
   visible name and the hidden code. Typing again clears the code, so what is sent is
   either a chosen region or the typed text, which the server resolves itself. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-region-choice]");
    if (!choice) return;
    var picker = choice.closest("[data-region-picker]");
    if (!picker) return;
    event.preventDefault();
    picker.querySelector("[data-region-text]").value = choice.getAttribute("data-path");
    picker.querySelector("[data-region-code]").value = choice.getAttribute("data-code");
    picker.querySelector("[data-region-results]").innerHTML = "";
  });
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-region-text]")) return;
    var picker = event.target.closest("[data-region-picker]");
    if (picker) picker.querySelector("[data-region-code]").value = "";
  });
})();
