/* PyPI download stats: ranking, search and badge snippets (the charts: charts-page.js).
   No dependencies beyond the Vega bundle served with the site; no network beyond the site. */
(function () {
  "use strict";
  function forEach(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function press(buttons, active) {
    forEach(buttons, function (b) {
      b.setAttribute("aria-pressed", b === active ? "true" : "false");
    });
  }

  // ------------------------------------------------------------ top list

  function initTop() {
    var table = document.querySelector("[data-top]");
    if (!table) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var buttons = document.querySelectorAll("[data-rank]");
    var note = document.querySelector("[data-movers-note]");

    function rank(mode) {
      var key = mode === "movers" ? "growth" : mode;
      var sorted = rows.slice().sort(function (a, b) {
        var va = a.getAttribute("data-" + key), vb = b.getAttribute("data-" + key);
        if (va === "" || vb === "") {
          if (va !== vb) return va === "" ? 1 : -1;
          va = a.getAttribute("data-month"); vb = b.getAttribute("data-month");
        }
        var d = parseFloat(vb) - parseFloat(va);
        if (d !== 0) return d;
        return a.getAttribute("data-name") < b.getAttribute("data-name") ? -1 : 1;
      });
      sorted.forEach(function (row, i) {
        row.querySelector("[data-rank-cell]").textContent = String(i + 1);
        body.appendChild(row);
      });
      table.setAttribute("data-period", mode === "movers" ? "month" : mode);
      if (note) note.hidden = mode !== "movers";
    }
    forEach(buttons, function (b) {
      b.addEventListener("click", function () {
        press(buttons, b);
        rank(b.getAttribute("data-rank"));
      });
    });
  }

  // ------------------------------------------------------------ search

  function normalize(text) {
    return text.trim().toLowerCase().replace(/[-_.\s]+/g, "-");
  }

  // What a package is found by: its names, its note and its group's heading.
  function searchText(li) {
    var note = li.querySelector(".pkg-note");
    var group = li.closest("[data-group]");
    var heading = group && group.querySelector("h2");
    var groupName = heading ? heading.firstChild && heading.firstChild.textContent : "";
    return normalize([li.getAttribute("data-name"), note ? note.textContent : "", groupName || ""].join(" "));
  }

  function element(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text) el.textContent = text;
    return el;
  }

  // Nothing found: say how the package gets tracked. With the repository's address (the
  // footer's [data-repository-url]) link to editing packages.yaml and to a pre-filled
  // issue; without it, the command to run in one's own copy.
  function explainEmpty(empty, query) {
    var link = document.querySelector("[data-repository-url]");
    var repo = link ? link.getAttribute("data-repository-url").replace(/\/+$/, "") : "";
    empty.textContent = "";
    empty.appendChild(element("strong", {}, "No tracked package matches \u201c" + query + "\u201d."));
    if (repo) {
      empty.appendChild(document.createTextNode(
        " This site tracks the packages listed in the repository\u2019s packages.yaml: add it there, or ask for it."));
      var actions = element("span", { "class": "add-actions" });
      actions.appendChild(element("a", { "class": "button", href: repo + "/edit/main/packages.yaml", "data-add-edit": "" }, "Edit packages.yaml"));
      var issue = repo + "/issues/new?title=" + encodeURIComponent("Track " + query).replace(/%20/g, "+") +
        "&body=" + encodeURIComponent("Please track https://pypi.org/project/" + normalize(query) + "/");
      actions.appendChild(element("a", { "class": "button secondary", href: issue, "data-add-issue": "" }, "Ask for it in an issue"));
      empty.appendChild(actions);
    } else {
      empty.appendChild(document.createTextNode(" To track it, run "));
      empty.appendChild(element("code", { "data-add-command": "" }, "python -m generator add " + normalize(query)));
      empty.appendChild(document.createTextNode(" in your copy of this site\u2019s repository, then build again."));
    }
  }

  function initSearch() {
    var input = document.querySelector("[data-search]");
    if (!input) return;
    var items = document.querySelectorAll("li.pkg[data-name]");
    var texts = Array.prototype.map.call(items, searchText);
    var groups = document.querySelectorAll("[data-group]");
    var status = document.querySelector("[data-search-status]");
    var empty = document.querySelector("[data-search-empty]");

    function apply() {
      var q = normalize(input.value);
      var shown = 0;
      forEach(items, function (li, i) {
        var hit = !q || texts[i].indexOf(q) !== -1;
        li.hidden = !hit;
        if (hit) shown += 1;
      });
      forEach(groups, function (g) {
        g.hidden = !g.querySelector("li.pkg:not([hidden])");
      });
      if (status) status.textContent = q ? shown + " of " + items.length + " packages" : "";
      if (empty) {
        empty.hidden = shown !== 0;
        if (shown === 0) explainEmpty(empty, input.value.trim());
      }
    }
    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        var first = document.querySelector("li.pkg:not([hidden]) a");
        if (first) first.click();
      }
    });
    if (input.value) apply();
  }

  // ------------------------------------------------------------ badge snippets

  function copyText(text, field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyBySelection(field); });
    }
    return copyBySelection(field);
  }

  function copyBySelection(field) {
    return new Promise(function (resolve, reject) {
      field.focus();
      field.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  // A live region reads a change: empty it first, so the same words are read again.
  function announce(status, text) {
    if (!status) return;
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 30);
  }

  function initSnippets() {
    var status = document.querySelector("[data-copy-status]");
    forEach(document.querySelectorAll(".badge-row textarea"), function (t) {
      t.addEventListener("focus", function () { t.select(); });
    });
    forEach(document.querySelectorAll("button[data-copy]"), function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      button.addEventListener("click", function () {
        copyText(field.value, field).then(function () {
          button.textContent = "Copied";
          button.setAttribute("data-copied", "");
          announce(status, "Copied the " + field.getAttribute("data-snippet") + " snippet.");
          setTimeout(function () {
            button.textContent = "Copy";
            button.removeAttribute("data-copied");
          }, 2000);
        }, function () {
          field.focus();
          field.select();
          announce(status, "Copying is not allowed here: the snippet is selected, press Ctrl+C or \u2318C.");
        });
      });
    });
  }

  function init() {
    initTop();
    initSearch();
    initSnippets();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
