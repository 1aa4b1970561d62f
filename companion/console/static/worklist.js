// The worklist keeps itself current: every so often the page is fetched again and its list
// swapped in, with the count in the tab's title. Nothing is swapped while a note is being
// typed (a field has focus or holds text), so a half-written resolution note is never lost.
// The request says it is a refresh, so an unattended console still signs out when idle.
(function () {
  var region = document.getElementById("worklist-region");
  if (!region || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(region.dataset.refreshSeconds, 10) || 45;
  var busy = false;

  function typing() {
    if (region.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) {
      return true;
    }
    return Array.prototype.some.call(region.querySelectorAll("input:not([type=hidden]), textarea"), function (f) {
      return f.value !== "";
    });
  }

  function refresh() {
    if (busy || typing()) { return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Console-Refresh": "1" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error("signed out or failed"); }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("worklist-region");
        if (fresh && !typing()) {
          region.innerHTML = fresh.innerHTML;
          document.title = page.title;
        }
        document.dispatchEvent(new Event("worklist:refreshed"));
      })
      .catch(function () { window.clearInterval(timer); })
      .then(function () { busy = false; });
  }

  var timer = window.setInterval(refresh, seconds * 1000);
  document.addEventListener("worklist:refresh", refresh);
})();
