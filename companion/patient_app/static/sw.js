// The patient app's service worker (scope /app/).
// Keeps the app shell, and the last-seen Today, My aftercare and Timeline pages for offline use;
// shows Web Push reminders and opens the reminder's page on a tap.
"use strict";

var SHELL = "companion-shell-v1";
var PAGES = "companion-pages";
var SHELL_FILES = ["/app/static/app.css", "/app/static/app.js", "/app/static/icon.svg", "/app/offline"];
var KEPT_PAGES = ["/app/", "/app/aftercare", "/app/timeline"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("companion-shell-") === 0 && key !== SHELL;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// A kept page served from the cache says so: the "last updated" note shows (body class "offline").
function markOffline(response) {
  return response.text().then(function (html) {
    return new Response(html.replace('<body class="online"', '<body class="offline"'), {
      status: 200,
      headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

function offlinePage() {
  return caches.match("/app/offline").then(function (page) {
    return page ? markOffline(page).then(function (r) {
      return new Response(r.body, { status: 503, headers: r.headers });
    }) : Response.error();
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/app/") !== 0) { return; }

  if (request.method !== "GET") {
    // A check-in or any other form sent offline: refused with a clear page, never queued silently.
    event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (request.mode === "navigate") {
    var kept = KEPT_PAGES.indexOf(url.pathname) !== -1;
    event.respondWith(
      fetch(request).then(function (response) {
        if (kept && response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(PAGES).then(function (cache) { cache.put(url.pathname, copy); });
        }
        if (response.redirected && new URL(response.url).pathname === "/app/join") {
          caches.delete(PAGES);  // signed out: nothing personal stays on the phone
        }
        return response;
      }).catch(function () {
        return caches.open(PAGES).then(function (cache) { return cache.match(url.pathname); }).then(function (hit) {
          return hit ? markOffline(hit) : offlinePage();
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/app/static/") === 0) {
    // Shell files: network first so a new release is picked up, the cache when offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      }).catch(function () { return caches.match(request); })
    );
  }
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "Reminder";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag,
    data: { url: data.url || "/app/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/app/", self.location.origin);
  if (target.origin !== self.location.origin || target.pathname.indexOf("/app/") !== 0) { target = new URL("/app/", self.location.origin); }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        var client = windows[i];
        if (new URL(client.url).pathname.indexOf("/app/") === 0 && "focus" in client) {
          return client.focus().then(function (focused) {
            return focused.navigate ? focused.navigate(target.href) : focused;
          });
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
