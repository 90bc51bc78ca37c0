// Live parts of the admin pages: an element with data-live="URL" is refreshed in place every
// data-interval milliseconds from a server-rendered fragment holding an element with the
// same id. The server escaped every value (Jinja autoescape) and DOMParser never runs
// scripts; this file never builds HTML from data. Without JavaScript the pages still work:
// they are complete on load, only not live.
(function () {
  "use strict";

  function swap(id, html) {
    var current = document.getElementById(id);
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
    if (current && fresh) {
      current.replaceWith(document.importNode(fresh, true));
    }
  }

  function refresh(id, url) {
    if (document.hidden || !document.getElementById(id)) {
      return;
    }
    fetch(url, {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 401) {
        window.location.reload(); // logged out elsewhere: the reload lands on the login page
        return;
      }
      if (response.ok) {
        return response.text().then(function (html) { swap(id, html); });
      }
    }).catch(function () {
      // The bridge restarting or the Wi-Fi dropping: try again at the next tick.
    });
  }

  function start() {
    document.querySelectorAll("[data-live]").forEach(function (element) {
      var id = element.id;
      var url = element.getAttribute("data-live");
      var interval = parseInt(element.getAttribute("data-interval"), 10) || 5000;
      window.setInterval(function () { refresh(id, url); }, interval);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
