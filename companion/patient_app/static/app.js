// Progressive enhancement only: every page works without this file.
// It fills the join code from the link's fragment, keeps pages for offline use (service worker),
// offers the phone's time zone, and turns push reminders on or off after a tap.
(function () {
  "use strict";
  var body = document.body;

  // Join: the code rides in the fragment (#CODE), which no server ever sees. Fill the form, then
  // drop the fragment from the address bar and history. Only the patient's tap on Continue spends it.
  var code = document.getElementById("code");
  if (code && location.hash.length > 1) {
    code.value = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, "", location.pathname + location.search);
  }

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/app/" }).catch(function () {});
  }

  // A check-in sent with no network is refused here (and by the service worker), never lost silently.
  var checkin = document.querySelector("form[data-offline-refuse]");
  if (checkin) {
    checkin.addEventListener("submit", function (event) {
      if (navigator.onLine === false) {
        event.preventDefault();
        var note = document.getElementById("offline-refused");
        note.hidden = false;
        note.focus();
      }
    });
  }

  var signOut = document.getElementById("sign-out-form");
  if (signOut && window.caches) {
    signOut.addEventListener("submit", function () { caches.delete("companion-pages"); });
  }

  // Time zone: offered when the phone's differs, never changed without the patient's tap.
  var zoneField = document.getElementById("timezone");
  var offer = document.getElementById("zone-offer");
  var browserZone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zoneField && offer && browserZone && browserZone !== zoneField.value) {
    document.getElementById("browser-zone").textContent = browserZone;
    offer.hidden = false;
    document.getElementById("use-browser-zone").addEventListener("click", function () {
      zoneField.value = browserZone;
      zoneField.focus();
    });
  }

  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var state = document.getElementById("push-state");
  if (!on || !("PushManager" in window) || !("serviceWorker" in navigator)) { return; }

  function show(which, subscribed) {
    state.textContent = state.dataset[which];
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  navigator.serviceWorker.ready.then(function (reg) {
    return reg.pushManager.getSubscription();
  }).then(function (sub) { if (sub) { show("on", true); } });

  on.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("denied"); }
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(on.dataset.key) });
    }).then(function (sub) {
      return fetch(on.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": on.dataset.csrf },
        body: JSON.stringify(sub.toJSON())
      });
    }).then(function (response) {
      if (!response.ok) { throw new Error("failed"); }
      show("on", true);
    }).catch(function (err) {
      show(err && err.message === "denied" ? "denied" : "failed", false);
    });
  });

  off.addEventListener("click", function () {
    // The push service forgets the subscription; the next push to it answers 410 and the
    // server deactivates this phone.
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (sub) { return sub && sub.unsubscribe(); }).then(function () { show("off", false); });
  });
})();
