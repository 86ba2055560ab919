// Live today: swap in a fresh panel every few seconds; the server renders it, so no rule lives here.
(function () {
  "use strict";
  var panel = document.getElementById("live");
  if (!panel) return;
  var url = panel.dataset.refreshUrl;
  var every = 1000 * (parseInt(panel.dataset.refreshSeconds, 10) || 15);
  function refresh() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { "X-Background": "1" } })
      .then(function (response) {
        // Signed out meanwhile (idle timeout): show the sign-in page, not a panel inside one.
        if (response.redirected) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) panel.innerHTML = html; })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  setInterval(refresh, every);
})();
