// Triage (articles/admin/triage.py): keyboard shortcuts, and the next story swapped in without
// reloading the page. Without this script the same buttons and links work as a form and links.
"use strict";
(function () {
  function region() {
    return document.getElementById("triage");
  }

  function swap(html, url) {
    const next = new DOMParser().parseFromString(html, "text/html").getElementById("triage");
    if (!next) {
      window.location.assign(url);  // not a triage page (a login page, an error): show it whole
      return;
    }
    region().replaceWith(next);
    addDateShortcuts(next);
    document.title = next.dataset.title || document.title;
    window.history.pushState(null, "", url);
    window.scrollTo(0, 0);
  }

  // Django adds its calendar and clock to date and time fields once, on load: the fields of a
  // story swapped in get theirs here.
  function addDateShortcuts(container) {
    const shortcuts = window.DateTimeShortcuts;
    if (!shortcuts) return;
    container.querySelectorAll("input.vDateField, input.vTimeField").forEach(function (input) {
      if (input.classList.contains("vTimeField")) {
        shortcuts.addClock(input);
      } else {
        shortcuts.addCalendar(input);
      }
      shortcuts.addTimezoneWarning(input);
    });
  }

  function load(url, options) {
    region().setAttribute("aria-busy", "true");
    return fetch(url, Object.assign({credentials: "same-origin"}, options || {}))
      .then(function (response) {
        return response.text().then(function (html) { swap(html, response.url); });
      })
      .catch(function () { window.location.assign(url); });
  }

  function decide(form, button) {
    const data = new FormData(form);
    data.set(button.name, button.value);
    return load(form.action, {method: "POST", body: data});
  }

  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-triage-form]");
    if (!form || !event.submitter) return;
    event.preventDefault();
    decide(form, event.submitter);
  });

  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-triage-next], [data-triage-prev]");
    if (link) {
      event.preventDefault();
      load(link.href);
      return;
    }
    if (event.target.closest("[data-triage-help]")) toggleHelp();
  });

  window.addEventListener("popstate", function () { load(window.location.href); });

  function toggleHelp() {
    const dialog = document.querySelector("[data-triage-help-dialog]");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  function press(selector) {
    const element = document.querySelector(selector);
    if (element) element.click();
  }

  const KEYS = {
    j: function () { press("[data-triage-next]"); },
    k: function () { press("[data-triage-prev]"); },
    a: function () { press("[data-triage-form] button[value=approve]"); },
    r: function () { press("[data-triage-form] button[value=reject]"); },
    h: function () { press("[data-triage-form] button[value=hold]"); },
    e: function () { press("[data-triage-edit]"); },
    "?": toggleHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const action = KEYS[event.key];
    if (!action || !region()) return;
    event.preventDefault();
    action();
  });
})();
