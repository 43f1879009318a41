/* PyPI download stats: charts, range buttons, unit toggles, ranking and search.
   No dependencies beyond the Vega bundle served with the site; no network beyond the site. */
(function () {
  "use strict";
  var DAY = 86400000;

  function localMs(iso) {
    var p = iso.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]).getTime();
  }

  function forEach(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  function press(buttons, active) {
    forEach(buttons, function (b) {
      b.setAttribute("aria-pressed", b === active ? "true" : "false");
    });
  }

  // ------------------------------------------------------------ charts

  // Vega-Lite reads "." in a field name as nested access: "3.10" must be written "3\.10".
  function escField(name) {
    return name.replace(/\\/g, "\\\\").replace(/\./g, "\\.").replace(/\[/g, "\\[").replace(/\]/g, "\\]");
  }

  function fill(node, values) {
    if (Array.isArray(node)) {
      if (node.length === 1) {
        var only = node[0];
        if (only === "__DOMAIN__") return values.domain.slice();
        if (only === "__RANGE__") return values.range.slice();
        if (only && typeof only === "object" && only.field === "__TOOLTIP__") return values.tooltip;
      }
      return node.map(function (x) { return fill(x, values); });
    }
    if (node && typeof node === "object") {
      var out = {};
      Object.keys(node).forEach(function (k) { out[k] = fill(node[k], values); });
      return out;
    }
    return node === "__URL__" ? values.url : node;
  }

  function buildSpec(el, range) {
    var lib = window.PYPISTATS_CHARTS;
    var pct = el.getAttribute("data-mode") === "pct";
    var base = el.getAttribute("data-chart");
    var name = pct && lib.templates[base + "_pct"] ? base + "_pct" : base;
    var cats = JSON.parse(el.getAttribute("data-cats") || "[]");
    var colors = JSON.parse(el.getAttribute("data-colors") || "[]");
    var tooltip = [{ field: "date", type: "temporal", format: "%a %Y-%m-%d", title: "Date" }].concat(
      cats.map(function (c) {
        return { field: escField(c), type: "quantitative", title: c, format: pct ? ".1%" : "," };
      })
    );
    var spec = fill(lib.templates[name], {
      url: el.getAttribute("data-url"), domain: cats, range: colors, tooltip: tooltip
    });
    var gaps = JSON.parse(el.getAttribute("data-gaps") || "[]");
    if (gaps.length) {
      spec.datasets = spec.datasets || {};
      spec.datasets.gaps = gaps.map(function (g) {
        return { start: localMs(g[0]), end: localMs(g[1]) + DAY, label: g[0] === g[1] ? g[0] : g[0] + " – " + g[1] };
      });
    } else if (spec.layer) {  // no gaps: drop the empty layer rather than draw nothing
      spec.layer = spec.layer.filter(function (l) { return !(l.data && l.data.name === "gaps"); });
    }
    // A bottom legend is one row and does not wrap: on a narrow card, lay it out in columns.
    var labels = cats.length ? cats : ["With mirrors", "Without mirrors", "7-day average", "28-day average"];
    var longest = Math.max.apply(null, labels.map(function (c) { return String(c).length; }));
    var columns = Math.max(1, Math.floor((el.clientWidth || 600) / (30 + 6.5 * longest)));
    if (columns < labels.length && spec.config && spec.config.legend) {
      spec.config.legend = Object.assign({}, spec.config.legend, { columns: columns });
    }
    spec.params.forEach(function (p) {
      if (p.name === "cutoff") p.value = range.cutoff;
      if (p.name === "lastdate") p.value = range.last;
      if (p.name === "cats") p.value = cats;
    });
    return spec;
  }

  function draw(el, range) {
    if (el._view) { el._view.finalize(); el._view = null; }
    el.innerHTML = "";
    el.setAttribute("aria-busy", "true");
    return window.vegaEmbed(el, buildSpec(el, range), {
      renderer: "svg", actions: false, tooltip: { theme: "custom" }
    }).then(function (result) {
      el._view = result.view;
      el.removeAttribute("aria-busy");
      el.setAttribute("data-drawn", String(+(el.getAttribute("data-drawn") || 0) + 1));
    }).catch(function (err) {
      el.removeAttribute("aria-busy");
      el.classList.add("chart-error");
      el.textContent = "This chart could not be drawn (" + err.message + "). The CSV link above has the data.";
      if (window.console) console.error(err);
    });
  }

  function initCharts() {
    var group = document.querySelector("[data-range-group]");
    var charts = document.querySelectorAll(".chart[data-chart]");
    if (!group || !charts.length || !window.vegaEmbed || !window.PYPISTATS_CHARTS) return;
    var last = localMs(group.getAttribute("data-last"));
    var first = localMs(group.getAttribute("data-first"));
    var buttons = group.querySelectorAll("[data-range]");
    var range = { cutoff: 0, last: last };

    function setRange(button) {
      var key = button.getAttribute("data-range");
      // The range starts no earlier than the history, so "left half" means what is drawn.
      var start = key === "all" ? first : last - (parseInt(key, 10) - 1) * DAY;
      range = { cutoff: Math.max(first, start), last: last };
      press(buttons, button);
    }
    forEach(buttons, function (b) {
      if (b.getAttribute("aria-pressed") === "true") setRange(b);
      b.addEventListener("click", function () {
        setRange(b);
        forEach(charts, function (el) { draw(el, range); });
      });
    });
    forEach(charts, function (el) {
      draw(el, range);
      var card = el.closest(".chart-card");
      var toggles = card ? card.querySelectorAll("[data-mode]") : [];
      forEach(toggles, function (t) {
        if (t === el) return;
        t.addEventListener("click", function () {
          el.setAttribute("data-mode", t.getAttribute("data-mode"));
          press(card.querySelectorAll("button[data-mode]"), t);
          draw(el, range);
        });
      });
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

  function initSearch() {
    var input = document.querySelector("[data-search]");
    if (!input) return;
    var items = document.querySelectorAll("li.pkg[data-name]");
    var groups = document.querySelectorAll("[data-group]");
    var status = document.querySelector("[data-search-status]");
    var empty = document.querySelector("[data-search-empty]");

    function apply() {
      var q = normalize(input.value);
      var shown = 0;
      forEach(items, function (li) {
        var hit = !q || normalize(li.getAttribute("data-name")).indexOf(q) !== -1;
        li.hidden = !hit;
        if (hit) shown += 1;
      });
      forEach(groups, function (g) {
        g.hidden = !g.querySelector("li.pkg:not([hidden])");
      });
      if (status) status.textContent = q ? shown + " of " + items.length + " packages" : "";
      if (empty) empty.hidden = shown !== 0;
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

  function initSnippets() {
    forEach(document.querySelectorAll(".badge-row textarea"), function (t) {
      t.addEventListener("focus", function () { t.select(); });
    });
  }

  function init() {
    initCharts();
    initTop();
    initSearch();
    initSnippets();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
