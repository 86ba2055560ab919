// The PIN pad: its digit keys type into the PIN field (which also takes a keyboard).
(function () {
  "use strict";
  document.querySelectorAll("[data-pinpad]").forEach(function (pad) {
    var input = document.getElementById(pad.dataset.target);
    if (!input) return;
    pad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key || input.disabled) return;
      if (key.dataset.key === "clear") {
        input.value = input.value.slice(0, -1);
      } else if (input.value.length < input.maxLength) {
        input.value += key.dataset.key;
      }
      input.dispatchEvent(new Event("input"));
    });
  });
})();
