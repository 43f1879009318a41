/* PyPI download stats: the compare page, and the members' chart of a group page.

   The view lives in the URL's query, so any view is a link:
     compare/?packages=a,b,c&range=1y&per=week&mode=indexed&py=3.13
   (normalised names; `per` only when chosen by hand, as on the package pages.)
   Data: compare/packages.json (generator.site.compare: the tracked packages, their
   figures and chunk years, the site's as-of date) and each package's yearly chart chunks
   data/<name>/chart-<year>.json, only the years the range needs, each fetched once.
   Charts: the package pages' "overall" Vega template (charts.js), one line per package.
   Shared rules come from charts-page.js (window.PYPISTATS_CHART_DATA: periods, days).
   Every package ends on the site's as-of date; a stale one's line stops where its data
   does. Inside a package's range a day without a row is 0, except on the days no tracked
   package reported (outages), which are left out. */
(function () {
  "use strict";
  var RANGES = { "30d": "30", "90d": "90", "180d": "180", "1y": "365", "all": "all" };
  var MODES = { absolute: true, share: true, indexed: true };
  var UNIT = { day: "day", week: "week", month: "month" };
  var NEUTRAL = ["null", "other", "unknown"];

  function forEach(list, fn) { Array.prototype.forEach.call(list, fn); }
  function shared() { return window.PYPISTATS_CHART_DATA; }
  function dayOf(iso) { return shared().dayOf(iso); }
  function isoOf(day) { return shared().isoOf(day); }
  function localMs(day) { return new Date(isoOf(day) + "T00:00:00").getTime(); }  // local midnight
  function yearOf(day) { return +isoOf(day).slice(0, 4); }
  function normalize(name) { return String(name).trim().toLowerCase().replace(/[-_.]+/g, "-"); }
  function num(n) { return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function signed(p) {
    if (p === null || p === undefined) return "—";
    return (p > 0 ? "+" : p < 0 ? "−" : "±") + Math.abs(p).toFixed(1) + "%";
  }
  function trend(p) { return p === null || p === undefined ? "none" : p > 0.5 ? "up" : p < -0.5 ? "down" : "flat"; }
  function press(buttons, on) {
    forEach(buttons, function (b) { b.setAttribute("aria-pressed", on(b) ? "true" : "false"); });
  }

  // The package pages' rule for the aggregation a range starts with (charts-page.js).
  function autoAgg(key, first, last) { return shared().autoAgg(key, first, last); }

  // ------------------------------------------------------------ data

  var fetched = {};

  function getJson(url) {
    if (!fetched[url]) {
      fetched[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
        return r.json();
      });
      fetched[url].catch(function () { delete fetched[url]; });
    }
    return fetched[url];
  }

  // A package's days: overall {day: without_mirrors} and python {day: {version: n}},
  // from the chunks of the years loaded so far (each merged once).
  function Series(pkg) {
    this.pkg = pkg;
    this.overall = {};
    this.python = {};
    this.merged = {};
    this.first = Infinity;
    this.last = pkg.last_date ? dayOf(pkg.last_date) : -Infinity;
  }
  Series.prototype.add = function (chunk) {
    if (this.merged[chunk.year]) return;
    this.merged[chunk.year] = true;
    var start = dayOf(chunk.start), self = this, o = chunk.kinds.overall, p = chunk.kinds.python_minor;
    if (o) {
      var j = o.cats.indexOf("without_mirrors"), values = j >= 0 ? o.values[j] : [];
      for (var i = 0; i < values.length; i++) {
        if (values[i] === null) continue;
        self.overall[start + i] = values[i];
        self.first = Math.min(self.first, start + i);
      }
    }
    if (p) {
      p.cats.forEach(function (c, k) {
        var v = p.values[k];
        for (var i = 0; i < v.length; i++) {
          if (v[i] === null) continue;
          (self.python[start + i] = self.python[start + i] || {})[c] = v[i];
        }
      });
    }
  };

  var series = {};

  function seriesOf(pkg) { return series[pkg.normalized] || (series[pkg.normalized] = new Series(pkg)); }

  function load(root, pkgs, start, end) {
    var wait = [];
    pkgs.forEach(function (pkg) {
      if (!pkg.years.length) return;
      var s = seriesOf(pkg), from = start === null ? pkg.years[0] : Math.max(pkg.years[0], yearOf(start));
      for (var y = from; y <= Math.min(pkg.years[1], yearOf(end)); y++) {
        var url = root + "data/" + pkg.normalized + "/chart-" + y + ".json";
        wait.push(getJson(url).then(function (chunk) { s.add(chunk); }));
      }
    });
    return Promise.all(wait);
  }

  // data/<name>/releases.json (generator.site.releases_view), for the packages that have
  // one; a failure leaves the chart without markers.
  var releases = {};

  function loadReleases(root, pkgs) {
    return Promise.all(pkgs.filter(function (p) { return p.releases; }).map(function (p) {
      return getJson(root + "data/" + p.normalized + "/releases.json").then(function (doc) {
        releases[p.normalized] = doc.releases;
      }, function (err) { if (window.console) console.warn("releases: " + err.message); });
    }));
  }

  // The major and minor releases (no pre-releases) of the range shown, every package's.
  function releaseMarks(view, pkgs) {
    var out = [];
    pkgs.forEach(function (p) {
      (releases[p.normalized] || []).forEach(function (r) {
        var d = dayOf(r.date);
        if (d < view.start || d > view.end || r.pre || !r.significant) return;
        out.push({ date: localMs(d), pre: false, yanked: r.yanked, package: p.normalized,
                   tt: { Package: p.name, Version: r.version + (r.yanked ? " (yanked)" : ""), Date: r.date } });
      });
    });
    return out;
  }

  // ------------------------------------------------------------ what the charts draw

  function ok(s, outages, d) { return d >= s.first && d <= s.last && !outages[d]; }

  // Per period: the sum of `value(day)` over the days the package covers, and how many.
  function sums(s, outages, ps, value) {
    return ps.map(function (p) {
      var sum = 0, covered = 0;
      for (var d = p.from; d <= p.to; d++) {
        if (!ok(s, outages, d)) continue;
        covered++;
        sum += value(d);
      }
      return covered ? { sum: sum, covered: covered } : null;
    });
  }

  // absolute: the sums; share: of the compared total that period; indexed: the mean per day
  // against the package's own mean in its first period with downloads (= 100).
  function valuesFor(mode, cells) {
    if (mode === "share") {
      return cells.map(function (row, i) {
        return row.map(function (c, k) {
          var total = 0;
          cells.forEach(function (other) { if (other[k]) total += other[k].sum; });
          return c && total ? 100 * c.sum / total : null;
        });
      });
    }
    if (mode === "indexed") {
      return cells.map(function (row) {
        var base = null;
        return row.map(function (c) {
          if (!c) return null;
          var mean = c.sum / c.covered;
          if (base === null && mean > 0) base = mean;
          return base === null ? null : 100 * mean / base;
        });
      });
    }
    return cells.map(function (row) { return row.map(function (c) { return c ? c.sum : null; }); });
  }

  function text(mode, v) {
    if (v === null) return "no data";
    if (mode === "share" || mode === "python") return v.toFixed(1) + "%";
    if (mode === "indexed") return v.toFixed(1);
    return num(v);
  }

  function periodText(p, agg) {
    if (agg === "day") return isoOf(p.from);
    if (agg === "week") return "week of " + isoOf(p.start) + (p.inRange < p.span ? " (partial)" : "");
    return isoOf(p.start).slice(0, 7) + (p.inRange < p.span ? " (partial)" : "");
  }

  var YTITLE = {
    absolute: function (agg) { return "downloads / " + UNIT[agg]; },
    share: function () { return "% of the compared downloads"; },
    indexed: function () { return "index, first " + "period = 100"; },
    python: function (agg, py) { return "% of downloads on Python " + py; }
  };

  function built(view, pkgs, values, mode, py) {
    var lib = window.PYPISTATS_CHARTS, lines = [], points = [], wide = [], rows = [];
    var names = pkgs.map(function (p) { return p.name; });
    view.ps.forEach(function (p, k) {
      var date = localMs(p.from), tt = {}, cells = [periodText(p, view.agg)];
      tt[view.agg === "day" ? "Date" : view.agg === "week" ? "Week" : "Month"] = cells[0];
      pkgs.forEach(function (pkg, i) {
        var v = values[i][k];
        lines.push({ date: date, label: pkg.name, value: v, width: 2 });
        if (view.agg !== "day" && v !== null) {
          points.push({ date: date, label: pkg.name, value: v, partial: p.inRange < p.span });
        }
        tt[pkg.name] = text(mode, v);
        cells.push(tt[pkg.name]);
      });
      wide.push({ date: date, tt: tt });
      rows.push(cells);
    });
    var change = dayOf(lib.change.date), datasets = { lines: lines, points: points, wide: wide };
    if (change >= view.start && change <= view.end) {
      var left = change - view.start < (view.end - view.start) / 2;
      datasets.change = [{ date: localMs(change), day: lib.change.date, label: lib.change.label,
                           align: left ? "left" : "right", dx: left ? 5 : -5 }];
    }
    return {
      datasets: datasets, cats: names, colors: names.map(function (n, i) { return lib.palette[i % lib.palette.length]; }),
      ytitle: YTITLE[mode](view.agg, py), mode: mode, rows: rows,
      empty: !lines.some(function (l) { return l.value !== null; }),
      summary: (mode === "python" ? "Share of downloads on Python " + py : "Downloads (" + mode + ")") +
        " per " + UNIT[view.agg] + " of " + names.join(", ") + " from " + isoOf(view.start) + " to " + isoOf(view.end) + "."
    };
  }

  function buildOverall(view, pkgs, mode) {
    var cells = pkgs.map(function (pkg) {
      var s = seriesOf(pkg);
      return sums(s, view.outages, view.ps, function (d) { return s.overall[d] || 0; });
    });
    return built(view, pkgs, valuesFor(mode, cells), mode);
  }

  function categoryKey(c) {  // charts.category_key, for versions
    var m = /^(\d+)(?:\.(\d+))?/.exec(c);
    return m ? [+m[1], +(m[2] || 0)] : [Infinity, 0];
  }

  function versions(view, pkgs) {
    var totals = {};
    pkgs.forEach(function (pkg) {
      var s = seriesOf(pkg);
      for (var d = view.start; d <= view.end; d++) {
        var row = s.python[d];
        if (row) for (var c in row) if (NEUTRAL.indexOf(c.toLowerCase()) < 0) totals[c] = (totals[c] || 0) + row[c];
      }
    });
    var list = Object.keys(totals).filter(function (c) { return totals[c] > 0; });
    list.sort(function (a, b) { var x = categoryKey(a), y = categoryKey(b); return x[0] - y[0] || x[1] - y[1]; });
    return { list: list, totals: totals };
  }

  function buildPython(view, pkgs, py) {
    var values = pkgs.map(function (pkg) {
      var s = seriesOf(pkg);
      return view.ps.map(function (p) {
        var on = 0, all = 0;
        for (var d = p.from; d <= p.to; d++) {
          var row = s.python[d];
          if (!row || !ok(s, view.outages, d)) continue;
          for (var c in row) all += row[c];
          on += row[py] || 0;
        }
        return all ? 100 * on / all : null;
      });
    });
    return built(view, pkgs, values, "python", py);
  }

  // ------------------------------------------------------------ drawing (the overall template)

  function draw(el, b) {
    var lib = window.PYPISTATS_CHARTS, inputs = lib.inputs.overall;
    el._built = b;
    el.setAttribute("aria-label", b.summary);
    var signals = { xdomain: [b.xdomain[0], b.xdomain[1]], cats: b.cats, colors: b.colors,
                    ytitle: b.ytitle, legendColumns: 0 };
    var data = {};
    Object.keys(b.datasets).forEach(function (k) { if (b.datasets[k].length) data[k] = b.datasets[k]; });
    if (b.empty) {
      if (el._view) el._view.finalize();
      el._view = null;
      el.innerHTML = "<p class=\"chart-fallback muted\">" + esc(b.emptyText || "No downloads in this range.") + "</p>";
      return Promise.resolve();
    }
    if (el._view) {
      inputs.forEach(function (k) { el._view.data(k, data[k] || []); });
      Object.keys(signals).forEach(function (k) { el._view.signal(k, signals[k]); });
      return el._view.runAsync().then(function () { label(el, b); });
    }
    el.innerHTML = "";
    var spec = JSON.parse(JSON.stringify(lib.templates.overall));
    spec.data.forEach(function (d) { if (inputs.indexOf(d.name) >= 0) d.values = data[d.name] || []; });
    spec.signals.forEach(function (s) { if (s.name in signals) s.value = signals[s.name]; });
    el._view = new window.vega.View(window.vega.parse(spec), {
      renderer: "svg", container: el, hover: true, logLevel: window.vega.Warn
    });
    el.setAttribute("role", "img");
    return el._view.runAsync().then(function () { label(el, b); });
  }

  function label(el, b) {
    var svg = el.querySelector("svg");
    if (svg) svg.setAttribute("aria-label", b.summary);
  }

  function drawn(el) { el.setAttribute("data-drawn", String(+(el.getAttribute("data-drawn") || 0) + 1)); }

  // ------------------------------------------------------------ the page

  function Page(box, index) {
    this.box = box;
    this.index = index;
    this.root = box.getAttribute("data-root") || "";
    this.max = +box.getAttribute("data-max") || 8;
    this.embed = box.hasAttribute("data-embed");
    this.byName = {};
    var self = this;
    index.packages.forEach(function (p) { self.byName[p.normalized] = p; });
    this.outages = {};
    (index.outages || []).forEach(function (run) {
      for (var d = dayOf(run[0]); d <= dayOf(run[1]); d++) self.outages[d] = true;
    });
    this.end = index.as_of ? dayOf(index.as_of) : null;
    this.generation = 0;
  }

  Page.prototype.readUrl = function () {
    var q = new URLSearchParams(location.search), self = this, seen = {};
    var asked = this.embed ? this.box.getAttribute("data-packages") : q.get("packages");
    this.chosen = [];
    this.unknown = [];
    (asked || "").split(",").forEach(function (raw) {
      var n = normalize(raw);
      if (!n || seen[n]) return;
      seen[n] = true;
      if (!self.byName[n]) self.unknown.push(raw.trim());
      else if (self.chosen.length < self.max) self.chosen.push(n);
    });
    this.range = RANGES[q.get("range")] ? q.get("range") : "1y";
    this.agg = UNIT[q.get("per")] ? q.get("per") : null;
    this.mode = MODES[q.get("mode")] ? q.get("mode") : "absolute";
    this.py = q.get("py");
    this.releases = q.get("releases") === "on";
    if (this.embed) { this.range = "1y"; this.agg = null; this.mode = "absolute"; this.py = null; }
  };

  Page.prototype.writeUrl = function () {
    if (this.embed) return;
    var parts = ["packages=" + this.chosen.join(","), "range=" + this.range];
    if (this.agg) parts.push("per=" + this.agg);
    if (this.mode !== "absolute") parts.push("mode=" + this.mode);
    if (this.py) parts.push("py=" + encodeURIComponent(this.py));
    if (this.releases) parts.push("releases=on");
    history.replaceState(history.state, "", location.pathname + "?" + parts.join("&"));
  };

  Page.prototype.rangeKey = function () {
    if (!this.embed) return this.range;
    var on = document.querySelector("[data-range-group] [data-range][aria-pressed=true]");
    var key = on ? on.getAttribute("data-range") : "365";
    for (var name in RANGES) if (RANGES[name] === key) return name;
    return "1y";
  };

  Page.prototype.view = function (pkgs) {
    var key = RANGES[this.rangeKey()], end = this.end, first = Infinity;
    pkgs.forEach(function (p) { first = Math.min(first, seriesOf(p).first); });
    if (first === Infinity) first = end;
    var start = key === "all" ? first : end - parseInt(key, 10) + 1;
    var agg = this.agg || autoAgg(key, first, end);
    if (this.embed) {
      var on = document.querySelector("[data-range-group] [data-agg][aria-pressed=true]");
      if (on) agg = on.getAttribute("data-agg");
    }
    return { start: start, end: end, agg: agg, ps: shared().periods(start, end, agg), outages: this.outages };
  };

  Page.prototype.packages = function () {
    var self = this;
    return this.chosen.map(function (n) { return self.byName[n]; });
  };

  Page.prototype.redraw = function () {
    var self = this, gen = ++this.generation, pkgs = this.packages();
    this.showControls();
    if (this.end === null || !pkgs.length) return Promise.resolve(this.finish());
    var key = RANGES[this.rangeKey()];
    var start = key === "all" ? null : this.end - parseInt(key, 10) + 1;
    forEach(this.box.querySelectorAll("[data-compare-chart]"), function (el) { el.setAttribute("aria-busy", "true"); });
    var waits = [load(this.root, pkgs, start, this.end)];
    if (this.releases) waits.push(loadReleases(this.root, pkgs));
    return Promise.all(waits).then(function () {
      if (gen !== self.generation) return null;
      var view = self.view(pkgs), work = [];
      self.showControls(view);
      var overallEl = self.box.querySelector("[data-compare-chart=overall]");
      var b = buildOverall(view, pkgs, self.mode);
      b.xdomain = [localMs(view.start), localMs(view.end)];
      b.datasets.releases = self.releases ? releaseMarks(view, pkgs) : [];
      self.note(overallEl, b, pkgs, "No downloads in the range shown: ");
      work.push(draw(overallEl, b).then(function () { drawn(overallEl); }));
      var pyEl = self.box.querySelector("[data-compare-chart=python]");
      if (pyEl) work.push(self.drawPython(pyEl, view, pkgs));
      self.table(view, pkgs);
      return Promise.all(work);
    }).then(function () { self.finish(); }, function (err) {
      self.status("The charts could not be drawn (" + err.message + ").");
      self.finish();
      if (window.console) console.error(err);
    });
  };

  // Under a chart: the compared packages it has no value for (a stale one ends earlier).
  Page.prototype.note = function (el, b, pkgs, head) {
    var card = el.closest(".chart-card"), note = card && card.querySelector("[data-chart-note]");
    if (!note) return;
    var none = pkgs.filter(function (p) {
      return !b.datasets.lines.some(function (l) { return l.label === p.name && l.value !== null; });
    }).map(function (p) { return p.name + (p.stale ? " (data ends " + p.last_date + ")" : ""); });
    note.textContent = none.length ? head + none.join(", ") + "." : "";
  };

  Page.prototype.finish = function () {
    forEach(this.box.querySelectorAll("[data-compare-chart]"), function (el) {
      el.removeAttribute("aria-busy");
      if (!el._built) drawn(el);
    });
    this.box.setAttribute("data-ready", String(this.generation));
  };

  Page.prototype.drawPython = function (el, view, pkgs) {
    var select = this.box.querySelector("[data-py]"), v = versions(view, pkgs);
    var py = v.list.indexOf(this.py) >= 0 ? this.py : null;
    if (!py) {
      v.list.forEach(function (c) { if (py === null || v.totals[c] > v.totals[py]) py = c; });
    }
    select.innerHTML = v.list.map(function (c) {
      return "<option value=\"" + esc(c) + "\"" + (c === py ? " selected" : "") + ">" + esc(c) + "</option>";
    }).join("");
    select.disabled = !v.list.length;
    var b = py ? buildPython(view, pkgs, py) : { empty: true, datasets: {}, cats: [], colors: [], rows: [] };
    b.xdomain = [localMs(view.start), localMs(view.end)];
    b.emptyText = "No Python-version data for these packages in this range.";
    b.summary = b.summary || b.emptyText;
    if (py) this.note(el, b, pkgs, "No Python-version data in the range shown: ");
    return draw(el, b).then(function () { drawn(el); });
  };

  Page.prototype.table = function (view, pkgs) {
    var body = this.box.querySelector("[data-compare-table] tbody"), root = this.root;
    if (!body) return;
    body.innerHTML = pkgs.map(function (p) {
      var s = seriesOf(p), peak = null;
      for (var d = view.start; d <= view.end; d++) {
        if (ok(s, view.outages, d) && (peak === null || (s.overall[d] || 0) > (s.overall[peak] || 0))) peak = d;
      }
      var change = p.change.month === undefined ? null : p.change.month;
      return "<tr data-name=\"" + esc(p.normalized) + "\"><th scope=\"row\"><a href=\"" + root + "packages/" +
        esc(p.normalized) + "/\">" + esc(p.name) + "</a>" + (p.stale ? " <span class=\"fresh stale\" data-stale=\"" +
        esc(p.last_date) + "\">stale · data ends " + esc(p.last_date) + "</span>" : "") + "</th>" +
        "<td class=\"num\" data-cell=\"last_day\">" + num(p.last_day) + "</td>" +
        "<td class=\"num\" data-cell=\"last_week\">" + num(p.last_week) + "</td>" +
        "<td class=\"num\" data-cell=\"last_month\">" + num(p.last_month) + "</td>" +
        "<td class=\"num\"><span class=\"delta " + trend(change) + "\">" + signed(change) + "</span></td>" +
        "<td class=\"num\" data-cell=\"total\">" + num(p.total) + "</td>" +
        "<td class=\"num\" data-cell=\"peak\">" + (peak === null ? "—" : num(s.overall[peak] || 0) + " <span class=\"muted\">" +
        isoOf(peak) + "</span>") + "</td></tr>";
    }).join("");
  };

  Page.prototype.status = function (message) {
    var el = this.box.querySelector("[data-compare-status]");
    if (el) el.textContent = message;
  };

  Page.prototype.showControls = function (view) {
    var self = this, box = this.box;
    press(box.querySelectorAll("[data-compare-mode]"), function (b) { return b.getAttribute("data-compare-mode") === self.mode; });
    var note = box.querySelector("[data-mode-note]");
    if (note && !this.embed) {
      note.textContent = { absolute: "Downloads without mirrors.",
        share: "Each package's share of the compared packages' downloads, per period.",
        indexed: "Each package's mean daily downloads against its own in the first period shown (= 100)." }[this.mode];
    }
    if (this.embed) return;
    press(box.querySelectorAll("[data-range]"), function (b) { return b.textContent.trim().toLowerCase() === self.range; });
    press(box.querySelectorAll("[data-compare-releases]"), function () { return self.releases; });
    if (view) press(box.querySelectorAll("[data-agg]"), function (b) { return b.getAttribute("data-agg") === view.agg; });
    this.chips();
  };

  // ------------------------------------------------------------ the picker

  Page.prototype.chips = function () {
    var list = this.box.querySelector("[data-chosen]"), self = this, lib = window.PYPISTATS_CHARTS;
    if (!list) return;
    list.innerHTML = this.chosen.map(function (n, i) {
      var p = self.byName[n];
      return "<li data-chosen-name=\"" + esc(n) + "\"><span class=\"swatch\" aria-hidden=\"true\" style=\"background:" +
        lib.palette[i % lib.palette.length] + "\"></span><a href=\"" + self.root + "packages/" + esc(n) + "/\">" +
        esc(p.name) + "</a><button type=\"button\" data-remove=\"" + esc(n) + "\" aria-label=\"Remove " + esc(p.name) +
        "\">×</button></li>";
    }).join("");
    var messages = [];
    if (this.unknown.length) messages.push("Not tracked here: " + this.unknown.join(", ") + ".");
    if (this.chosen.length < +this.box.getAttribute("data-min")) messages.push("Add another package to compare.");
    if (this.chosen.length >= this.max) messages.push("At most " + this.max + " packages: remove one to add another.");
    this.status(messages.join(" "));
  };

  Page.prototype.matches = function (query) {
    var q = normalize(query), self = this;
    return this.index.packages.filter(function (p) {
      return self.chosen.indexOf(p.normalized) < 0 &&
        (!q || p.normalized.indexOf(q) >= 0 || p.name.toLowerCase().indexOf(query.trim().toLowerCase()) >= 0);
    }).sort(function (a, b) {
      var x = a.normalized.indexOf(q) === 0 ? 0 : 1, y = b.normalized.indexOf(q) === 0 ? 0 : 1;
      return x - y || b.last_month - a.last_month;
    }).slice(0, 12);
  };

  Page.prototype.picker = function () {
    var self = this, input = this.box.querySelector("[data-picker]"), list = this.box.querySelector("[data-options]");
    if (!input) return;
    var shown = [], active = -1;
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
    function render() {
      shown = self.matches(input.value);
      if (!shown.length || document.activeElement !== input) { close(); return; }
      list.innerHTML = shown.map(function (p, i) {
        return "<li role=\"option\" id=\"compare-option-" + i + "\" data-option=\"" + esc(p.normalized) + "\" aria-selected=\"" +
          (i === active) + "\">" + esc(p.name) + (p.group ? " <span class=\"muted\">" + esc(p.group) + "</span>" : "") + "</li>";
      }).join("");
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) input.setAttribute("aria-activedescendant", "compare-option-" + active);
      else input.removeAttribute("aria-activedescendant");
    }
    function add(name) {
      if (self.chosen.length >= self.max) { self.chips(); return; }
      self.chosen.push(name);
      input.value = "";
      active = -1;
      close();
      self.changed();
    }
    input.addEventListener("input", function () { active = 0; render(); if (!shown.length) active = -1; });
    input.addEventListener("focus", function () { render(); });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (list.hidden) { render(); }
        if (!shown.length) return;
        active = (active + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
        render();
      } else if (e.key === "Enter") {
        e.preventDefault();
        var pick = shown[active >= 0 ? active : 0];
        if (pick && !list.hidden) add(pick.normalized);
      } else if (e.key === "Escape") {
        close();
      }
    });
    list.addEventListener("mousedown", function (e) {
      var li = e.target.closest("[data-option]");
      if (li) { e.preventDefault(); add(li.getAttribute("data-option")); }
    });
    this.box.querySelector("[data-chosen]").addEventListener("click", function (e) {
      var button = e.target.closest("[data-remove]");
      if (!button) return;
      var name = button.getAttribute("data-remove");
      self.chosen = self.chosen.filter(function (n) { return n !== name; });
      self.changed();
      input.focus();
    });
  };

  Page.prototype.changed = function () { this.writeUrl(); return this.redraw(); };

  Page.prototype.controls = function () {
    var self = this, box = this.box;
    forEach(box.querySelectorAll("[data-compare-mode]"), function (b) {
      b.addEventListener("click", function () { self.mode = b.getAttribute("data-compare-mode"); self.changed(); });
    });
    if (this.embed) {  // the group page's own range and aggregation buttons (charts-page.js)
      forEach(document.querySelectorAll("[data-range-group] button"), function (b) {
        b.addEventListener("click", function () { self.redraw(); });
      });
      return;
    }
    forEach(box.querySelectorAll("[data-range]"), function (b) {
      b.addEventListener("click", function () { self.range = b.textContent.trim().toLowerCase(); self.agg = null; self.changed(); });
    });
    forEach(box.querySelectorAll("[data-agg]"), function (b) {
      b.addEventListener("click", function () { self.agg = b.getAttribute("data-agg"); self.changed(); });
    });
    var toggle = box.querySelector("[data-compare-releases]");
    if (toggle) toggle.addEventListener("click", function () { self.releases = !self.releases; self.changed(); });
    var select = box.querySelector("[data-py]");
    if (select) select.addEventListener("change", function () { self.py = select.value; self.changed(); });
    this.picker();
  };

  function init() {
    var box = document.querySelector("[data-compare]");
    if (!box || !window.vega || !window.PYPISTATS_CHARTS || !window.PYPISTATS_CHART_DATA) return;
    getJson(box.getAttribute("data-index")).then(function (index) {
      var page = new Page(box, index);
      page.readUrl();
      page.controls();
      if (!page.embed && page.chosen.length) page.writeUrl();  // names as normalised
      window.PYPISTATS_COMPARE = page;  // for tests
      return page.redraw();
    }).catch(function (err) {
      var status = box.querySelector("[data-compare-status]");
      if (status) status.textContent = "The list of packages could not be loaded (" + err.message + ").";
      if (window.console) console.error(err);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
