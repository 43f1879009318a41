/* PyPI download stats: a package page's charts (loaded by package pages only).

   Data: the history in yearly chunks (data/<name>/chart-<year>.json), each fetched once
   per page and only when a range shown needs it, shared by every chart and click. Charts
   are Vega views parsed once and given new signals and datasets on each click.
   Zeros and gaps, one rule: inside the tracked range, a category without a row on a day the
   source reported is 0. A day is missing only when it is listed in data-gaps (an outage:
   drawn as a gap, "no data (outage)") or data-nodata (a single-package site's day without
   rows: drawn lightly). A listed day on which this package does have a row was reported, so
   it is not missing.
   Releases: data/<name>/releases.json (site.releases_view), fetched once, marked on the
   downloads chart (a dataset, and the showReleases signal the card's toggle sets).
   State: range, aggregation, scale, each chart's mode and the release markers live in the
   URL's hash. */
(function () {
  "use strict";
  var DAY = 86400000;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var WEEKDAYS = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];  // day 0 is 1970-01-01
  var UNIT = { day: "day", week: "week", month: "month" };

  function forEach(list, fn) { Array.prototype.forEach.call(list, fn); }

  // ------------------------------------------------------------ days and numbers

  // Days are integers (days since 1970-01-01, UTC), so no time zone shifts them; charts
  // get local midnight in ms, so the axes show the same calendar day everywhere.
  function dayOf(iso) {
    var p = iso.split("-");
    return Math.round(Date.UTC(+p[0], +p[1] - 1, +p[2]) / DAY);
  }
  function isoOf(day) { return new Date(day * DAY).toISOString().slice(0, 10); }
  function localMs(day) {
    var d = new Date(day * DAY);
    return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()).getTime();
  }
  function weekStart(day) { return day - (((day + 3) % 7) + 7) % 7; }  // ISO: Monday
  function monthBounds(day) {
    var d = new Date(day * DAY), y = d.getUTCFullYear(), m = d.getUTCMonth();
    return [Math.round(Date.UTC(y, m, 1) / DAY), Math.round(Date.UTC(y, m + 1, 1) / DAY) - 1];
  }
  function monthName(day) {
    var d = new Date(day * DAY);
    return MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  function num(n) {  // 1,234 (toLocaleString is slow when called thousands of times)
    return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function pct(x) { return (100 * x).toFixed(1) + "%"; }
  // The axes' rule (charts.NUMBER_EXPR) for text: 0, 200, 1.5k, 2M.
  function compact(n) {
    var a = Math.abs(n), units = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i++) {
      if (a >= units[i][0]) return String(+(n / units[i][0]).toFixed(2)) + units[i][1];
    }
    return String(+n.toFixed(2));
  }

  // ------------------------------------------------------------ data: yearly chunks, fetched once

  // data/<name>/chart-<year>.json (generator.site.chart_data): for each kind, its categories
  // and, per category, the downloads of each day from January 1 (null: no row that day).
  // A range loads the years it covers, once; every chart and every click shares them, so
  // the default view's data does not grow with the history.
  var chunks = {}, loaded = {}, tables = {}, source = { base: "", first: 0, last: -1 };

  // A kind's table: {days: {day: {category: downloads}}, cats, first, last}, made from
  // the years loaded so far, each merged in when the kind is first asked for after it.
  function tableOf(kind) {
    var t = tables[kind] || (tables[kind] = {
      days: {}, cats: [], seen: {}, merged: {}, first: Infinity, last: -Infinity
    });
    Object.keys(loaded).forEach(function (year) {
      if (t.merged[year]) return;
      t.merged[year] = true;
      var k = loaded[year].kinds[kind];
      if (k) addKind(t, k, dayOf(loaded[year].start));
    });
    return t;
  }

  function addKind(t, k, start) {
    k.cats.forEach(function (c, j) {
      var values = k.values[j];
      if (!t.seen[c]) { t.seen[c] = true; t.cats.push(c); }
      for (var i = 0; i < values.length; i++) {
        if (values[i] === null) continue;
        var d = start + i;
        (t.days[d] = t.days[d] || {})[c] = values[i];
        if (!t.bounded) { t.first = Math.min(t.first, d); t.last = Math.max(t.last, d); }
      }
    });
  }

  function loadYear(year) {
    var url = source.base + year + ".json";
    if (!chunks[url]) {
      chunks[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
        return r.json();
      }).then(function (chunk) { loaded[year] = chunk; }, function (err) {
        delete chunks[url];
        throw err;
      });
    }
    return chunks[url];
  }

  function yearOf(day) { return new Date(day * DAY).getUTCFullYear(); }

  // The years a range covers, with the days before it the 28-day average needs (the rule
  // chart_data.years_for follows for the page's preload links).
  function loadRange(start, end) {
    var wait = [], from = yearOf(start - window.PYPISTATS_CHARTS.warmup);
    for (var y = Math.max(source.first, from); y <= Math.min(source.last, yearOf(end)); y++) {
      wait.push(loadYear(y));
    }
    return Promise.all(wait);
  }

  function daySet(json) {
    var set = {};
    JSON.parse(json || "[]").forEach(function (g) {
      for (var d = dayOf(g[0]); d <= dayOf(g[1]); d++) set[d] = true;
    });
    return set;
  }

  // ------------------------------------------------------------ periods (day, ISO week, month)

  function periods(start, end, agg) {
    var out = [], from = start;
    while (from <= end) {
      var pstart = from, pend = from;
      if (agg === "week") { pstart = weekStart(from); pend = pstart + 6; }
      if (agg === "month") { var b = monthBounds(from); pstart = b[0]; pend = b[1]; }
      var to = Math.min(pend, end);
      out.push({ from: from, to: to, start: pstart, span: pend - pstart + 1, inRange: to - from + 1 });
      from = to + 1;
    }
    return out;
  }

  // status of a day for one dimension: ok, gap (outage), nodata, or untracked
  function statusOf(page, table, day) {
    if (page.gaps[day] && !page.reported[day]) return "gap";
    if (page.nodata[day] && !page.reported[day]) return "nodata";
    if (day < table.first || day > page.last) return "untracked";
    return "ok";
  }

  var MISSING_TEXT = { gap: "no data (outage)", nodata: "no data", untracked: "not tracked yet" };

  function periodTitle(p, agg) {
    if (agg === "day") return ["Date", WEEKDAYS[((p.from % 7) + 7) % 7] + " " + isoOf(p.from)];
    if (agg === "week") return ["Week", isoOf(p.start) + " – " + isoOf(p.start + 6)];
    return ["Month", monthName(p.from)];
  }

  function coverText(p, agg) {
    var text = agg === "week" && !p.partial ? "7 days" : p.inRange + " of " + p.span + " days";
    if (p.partial) text += " (partial " + UNIT[agg] + ")";
    if (p.lacking) text += ", " + p.lacking + " without data";
    return text;
  }

  // Sums per period of every category over the days that are ok; null where none is.
  function aggregate(page, table, start, end, agg, cats) {
    return periods(start, end, agg).map(function (p) {
      var sums = {}, covered = 0, worst = null;
      cats.forEach(function (c) { sums[c] = 0; });
      for (var d = p.from; d <= p.to; d++) {
        var st = statusOf(page, table, d);
        if (st !== "ok") { worst = worst === "gap" ? worst : st; continue; }
        covered++;
        var row = table.days[d];
        if (row) for (var c in row) if (c in sums) sums[c] += row[c];
      }
      p.partial = agg !== "day" && p.inRange < p.span;
      p.lacking = agg === "day" ? 0 : p.inRange - covered;
      p.sums = covered ? sums : null;
      p.missing = covered ? null : worst;
      return p;
    });
  }

  function spans(page, table, start, end, kind) {  // consecutive missing days as bands
    var out = [], a = null;
    for (var d = start; d <= end + 1; d++) {
      var hit = d <= end && statusOf(page, table, d) === kind;
      if (hit && a === null) a = d;
      if (!hit && a !== null) {
        out.push({ start: localMs(a), end: Math.min(localMs(d), localMs(end)),
                   label: a === d - 1 ? isoOf(a) : isoOf(a) + " – " + isoOf(d - 1) });
        a = null;
      }
    }
    return out;
  }

  // ------------------------------------------------------------ categories for the range shown

  var NEUTRAL = ["null", "other", "unknown"];

  function categoryKey(c) {  // charts.category_key
    var low = c.toLowerCase();
    if (NEUTRAL.indexOf(low) >= 0) return [2, [], low];
    var m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(c);
    if (m) return [0, m.slice(1).filter(function (g) { return g !== undefined; }).map(Number), c];
    return [1, [], low];
  }
  function compareKeys(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    for (var i = 0; i < Math.max(a[1].length, b[1].length); i++) {
      var x = i < a[1].length ? a[1][i] : -1, y = i < b[1].length ? b[1][i] : -1;
      if (x !== y) return x - y;
    }
    return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
  }

  // The `limit` biggest in the range, in legend order, then null/unknown/other. A category
  // seen on one day only (a release just out) takes a slot only if it is in the top half.
  function chooseCategories(totals, dayCounts, limit, numeric) {
    var named = Object.keys(totals).filter(function (c) {
      return NEUTRAL.indexOf(c.toLowerCase()) < 0 && totals[c] > 0;
    });
    var bySize = function (a, b) { return totals[b] - totals[a] || (a < b ? -1 : 1); };
    named.sort(bySize);
    var kept = named.filter(function (c, i) { return dayCounts[c] > 1 || i < limit / 2; });
    kept = kept.slice(0, limit);
    kept.sort(numeric ? function (a, b) { return compareKeys(categoryKey(a), categoryKey(b)); } : bySize);
    var tail = ["null", "unknown"].filter(function (c) { return totals[c] > 0; });
    if (kept.length < named.length || totals.other > 0) tail.push("other");
    return kept.concat(tail);
  }

  function colours(cats) {
    var lib = window.PYPISTATS_CHARTS, i = 0;
    return cats.map(function (c) {
      var n = lib.neutral[c.toLowerCase()];
      return n || lib.palette[i++ % lib.palette.length];
    });
  }

  function rangeTotals(page, table, start, end) {
    var totals = {}, dayCounts = {};
    for (var d = Math.max(start, table.first); d <= end; d++) {
      var row = table.days[d];
      if (!row || statusOf(page, table, d) !== "ok") continue;
      for (var c in row) {
        totals[c] = (totals[c] || 0) + row[c];
        if (row[c] > 0) dayCounts[c] = (dayCounts[c] || 0) + 1;
      }
    }
    return { totals: totals, dayCounts: dayCounts };
  }


  // ------------------------------------------------------------ what each chart draws

  function missingText(p) { return MISSING_TEXT[p.missing] || "no data"; }

  // A chart's table: `columns` and one row of strings per period; the tooltip shows the
  // same strings ({column: text}), so a tooltip can never say NaN.
  function wideRows(dates, columns, rows) {
    return rows.map(function (cells, i) {
      var tt = {};
      cells.forEach(function (c, j) { tt[columns[j]] = c; });
      return { date: dates[i], tt: tt };
    });
  }

  function periodColumns(agg) {
    var title = agg === "day" ? "Date" : agg === "week" ? "Week" : "Month";
    return agg === "day" ? [title] : [title, "Days"];
  }

  function periodCells(p, agg) {
    var cells = [periodTitle(p, agg)[1]];
    if (agg !== "day") cells.push(coverText(p, agg));
    return cells;
  }

  function moving(page, table, day, n) {  // mean of the days with data in the n days to `day`
    var sum = 0, k = 0;
    for (var d = day - n + 1; d <= day; d++) {
      if (statusOf(page, table, d) !== "ok") continue;
      var row = table.days[d];
      sum += (row && row.without_mirrors) || 0;
      k++;
    }
    return k ? sum / k : null;
  }

  function median(values) {
    var v = values.slice().sort(function (a, b) { return a - b; }), m = v.length >> 1;
    return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  function when(p, agg) {
    if (agg === "day") return "on " + isoOf(p.from);
    if (agg === "week") return "in the week of " + isoOf(p.start);
    return "in " + monthName(p.from);
  }

  function overallSummary(ctx, ps) {
    var agg = ctx.agg, full = ps.filter(function (p) { return p.sums; });
    var head = "Downloads per " + UNIT[agg] + " of " + ctx.page.name + " from " + isoOf(ctx.start) +
      " to " + isoOf(ctx.end) + ", without mirrors: ";
    if (!full.length) return head + "no downloads reported.";
    var values = full.map(function (p) { return p.sums.without_mirrors; });
    var peak = full[values.indexOf(Math.max.apply(null, values))];
    return head + "median " + num(median(values)) + " a " + UNIT[agg] + ", peak " +
      num(peak.sums.without_mirrors) + " " + when(peak, agg) + ".";
  }

  function buildOverall(ctx, table) {
    var series = window.PYPISTATS_CHARTS.series, agg = ctx.agg;
    var keys = ["with_mirrors", "without_mirrors"].concat(agg === "day" ? ["ma7", "ma28"] : []);
    var ps = aggregate(ctx.page, table, ctx.start, ctx.end, agg, ["with_mirrors", "without_mirrors"]);
    var lines = [], points = [], dates = [], rows = [];
    ps.forEach(function (p) {
      var date = localMs(p.from), v = {};
      v.with_mirrors = p.sums ? p.sums.with_mirrors : null;
      v.without_mirrors = p.sums ? p.sums.without_mirrors : null;
      if (agg === "day") {
        v.ma7 = p.sums ? moving(ctx.page, table, p.from, 7) : null;
        v.ma28 = p.sums ? moving(ctx.page, table, p.from, 28) : null;
      }
      var cells = periodCells(p, agg);
      keys.forEach(function (k) {
        lines.push({ date: date, label: series[k][0], value: v[k], width: series[k][2] });
        if (agg !== "day" && v[k] !== null) {
          points.push({ date: date, label: series[k][0], value: v[k], partial: p.partial });
        }
        cells.push(v[k] === null ? missingText(p) : num(v[k]));
      });
      dates.push(date);
      rows.push(cells);
    });
    var labels = keys.map(function (k) { return series[k][0]; });
    var columns = periodColumns(agg).concat(labels);
    var marks = releaseMarks(ctx);
    return {
      datasets: { lines: lines, points: points, wide: wideRows(dates, columns, rows), releases: marks.shown },
      releases: marks,
      cats: labels, colors: keys.map(function (k) { return series[k][1]; }),
      columns: columns, rows: rows,
      summary: overallSummary(ctx, ps), empty: !ps.some(function (p) { return p.sums; })
    };
  }

  // ------------------------------------------------------------ releases (data/<name>/releases.json)

  // The releases of the range shown, at their UTC day; a crowded range (more than
  // CROWDED) shows only the major and minor ones (impact.classify: `significant`).
  var CROWDED = 25;

  function loadReleases(page) {
    if (!page.releasesUrl) return null;
    if (!page.releasesLoading) {
      page.releasesLoading = fetch(page.releasesUrl).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + page.releasesUrl);
        return r.json();
      }).then(function (doc) { page.releases = doc.releases; }, function (err) {
        page.releasesLoading = null;  // the chart draws without markers; a later draw retries
        if (window.console) console.warn("releases: " + err.message);
      });
    }
    return page.releasesLoading;
  }

  function releaseMarks(ctx) {
    var inRange = (ctx.page.releases || []).filter(function (r) {
      var d = dayOf(r.date);
      return d >= ctx.start && d <= ctx.end;
    });
    var crowded = inRange.length > CROWDED;
    var shown = crowded ? inRange.filter(function (r) { return r.significant; }) : inRange;
    return {
      total: inRange.length, crowded: crowded,
      shown: shown.map(function (r) {
        var notes = (r.pre ? ", pre-release" : "") + (r.yanked ? ", yanked" : "");
        return { date: localMs(dayOf(r.date)), pre: r.pre, yanked: r.yanked,
                 tt: { Release: r.version + notes, Date: r.date } };
      })
    };
  }

  function releasesTitle(marks) {
    if (!marks.total) return "No releases in this range";
    if (marks.crowded) {
      return "Major and minor releases: " + marks.shown.length + " of the " + marks.total +
        " releases in this range";
    }
    return marks.total + " release" + (marks.total === 1 ? "" : "s") + " in this range";
  }

  function markReleases(el, marks) {  // what the markers show, for the toggle's title (and tests)
    el.setAttribute("data-releases-in-range", String(marks.total));
    el.setAttribute("data-releases-shown", String(marks.shown.length));
    var toggle = document.querySelector("[data-releases-toggle]");
    if (toggle) toggle.title = releasesTitle(marks);
  }

  // Release series: on a long range a package's many releases are shown as "1.2.x".
  function seriesOf(version) {
    var m = /^(\d+)\.(\d+)/.exec(version);
    return m ? m[1] + "." + m[2] + ".x" : version;
  }

  function regroup(totals, group) {
    var out = {};
    for (var c in totals) out[group(c)] = (out[group(c)] || 0) + totals[c];
    return out;
  }

  // Versions: the top releases of the range, unless "other" would then hold most of the
  // downloads (a long range over many releases): then the top release series.
  function versionCategories(rt, limit) {
    var cats = chooseCategories(rt.totals, rt.dayCounts, limit, true), all = 0, kept = 0;
    for (var c in rt.totals) {
      all += rt.totals[c];
      if (cats.indexOf(c) >= 0 && c !== "other") kept += rt.totals[c];
    }
    if (!all || kept >= all / 2) return { cats: cats, group: null };
    var grouped = regroup(rt.totals, seriesOf), days = {};
    Object.keys(grouped).forEach(function (g) { days[g] = 2; });
    return { cats: chooseCategories(grouped, days, limit, true), group: seriesOf };
  }

  function folded(sums, cats, group) {  // a period's sums per shown category ("other": the rest)
    var out = {}, total = 0;
    cats.forEach(function (c) { out[c] = 0; });
    for (var c in sums) {
      var key = group ? group(c) : c;
      key = key in out ? key : "other";
      if (key in out) out[key] += sums[c];
      total += sums[c];
    }
    return { values: out, total: total };
  }

  function shareSummary(ctx, el, cats, totals) {
    var all = 0, named = cats.slice();
    cats.forEach(function (c) { all += totals[c] || 0; });
    named.sort(function (a, b) { return (totals[b] || 0) - (totals[a] || 0); });
    var head = el.getAttribute("data-title") + " of " + ctx.page.name + " from " + isoOf(ctx.start) +
      " to " + isoOf(ctx.end);
    if (!all) return head + ": no downloads reported.";
    var top = named.slice(0, 3).map(function (c) { return c + " (" + pct((totals[c] || 0) / all) + ")"; });
    return head + ", " + num(all) + " downloads: " + top[0] + " leads" +
      (top.length > 1 ? ", then " + top.slice(1).join(" and ") : "") + ".";
  }

  function buildCategory(ctx, table, el) {
    var agg = ctx.agg, share = ctx.mode === "pct";
    var rt = rangeTotals(ctx.page, table, ctx.start, ctx.end);
    var limit = +el.getAttribute("data-limit") || 10, group = null, cats;
    if (el.getAttribute("data-kind") === "version") {
      var chosen = versionCategories(rt, limit);
      cats = chosen.cats;
      group = chosen.group;
    } else {
      cats = chooseCategories(rt.totals, rt.dayCounts, limit, el.getAttribute("data-numeric") !== "false");
    }
    var ps = aggregate(ctx.page, table, ctx.start, ctx.end, agg, table.cats);
    var long = [], dates = [], rows = [], shown = {};
    ps.forEach(function (p) {
      var date = localMs(p.from), cells = periodCells(p, agg);
      var f = p.sums ? folded(p.sums, cats, group) : null;
      cats.forEach(function (c, i) {
        var count = f ? f.values[c] : null;
        var value = f && share ? (f.total ? count / f.total : null) : count;
        long.push({ date: date, cat: c, value: value, order: i });
        if (f) shown[c] = (shown[c] || 0) + count;
        cells.push(!f ? missingText(p) : share ? (f.total ? pct(value) : "no downloads") : num(count));
      });
      dates.push(date);
      rows.push(cells);
    });
    var partial = ps.filter(function (p) { return p.partial; }).map(function (p) {
      return { start: localMs(p.from), end: Math.min(localMs(p.to + 1), localMs(ctx.end)),
               label: periodTitle(p, agg)[1] + ": " + coverText(p, agg) };
    });
    var columns = periodColumns(agg).concat(cats);
    return {
      datasets: { long: long, wide: wideRows(dates, columns, rows), partial: partial },
      cats: cats, colors: colours(cats), columns: columns, rows: rows,
      summary: shareSummary(ctx, el, cats, shown),
      empty: !cats.length || !ps.some(function (p) { return p.sums; })
    };
  }

  function buildBars(ctx, table, el) {
    var rt = rangeTotals(ctx.page, table, ctx.start, ctx.end);
    var cats = chooseCategories(rt.totals, rt.dayCounts, +el.getAttribute("data-limit") || 10, false);
    var f = folded(rt.totals, cats), rows = [], bars = [];
    cats.forEach(function (c, i) {
      var n = f.values[c], s = f.total ? n / f.total : 0;
      bars.push({ cat: c, downloads: n, share: s, rank: i, downloads_text: num(n), share_text: pct(s) });
      rows.push([c, num(n), pct(s)]);
    });
    return {
      datasets: { bars: bars }, cats: cats, colors: colours(cats),
      columns: ["Category", "Downloads", "Share"], rows: rows,
      summary: shareSummary(ctx, el, cats, f.values), empty: !f.total
    };
  }

  var BUILDERS = { overall: buildOverall, category: buildCategory, bars: buildBars };

  // ------------------------------------------------------------ views (the templates, reused)

  // The templates are Vega specs compiled at build time (generator.site.vega_specs). A chart
  // parses its template once; a click then sets the view's signals and datasets and runs it.
  function templateName(el, ctx) {
    var lib = window.PYPISTATS_CHARTS, base = el.getAttribute("data-chart");
    if (ctx.mode === "pct" && lib.templates[base + "_pct"]) return base + "_pct";
    if (ctx.scale === "log" && lib.templates[base + "_log"]) return base + "_log";
    return base;
  }

  function dropView(el) {
    if (el._view) el._view.finalize();
    el._view = null;
    el._template = null;
  }

  function datasetsOf(ctx, built, base) {
    var lib = window.PYPISTATS_CHARTS, datasets = {};
    Object.keys(built.datasets).forEach(function (k) {
      if (built.datasets[k].length) datasets[k] = built.datasets[k];
    });
    if (base === "bars") return datasets;
    datasets.gaps = spans(ctx.page, built.table, ctx.start, ctx.end, "gap");
    datasets.nodata = spans(ctx.page, built.table, ctx.start, ctx.end, "nodata");
    var change = dayOf(lib.change.date);
    if (change >= ctx.start && change <= ctx.end) {
      var left = change - ctx.start < (ctx.end - ctx.start) / 2;
      datasets.change = [{ date: localMs(change), day: lib.change.date, label: lib.change.label,
                           align: left ? "left" : "right", dx: left ? 5 : -5 }];
    }
    Object.keys(datasets).forEach(function (k) { if (!datasets[k].length) delete datasets[k]; });
    return datasets;
  }

  // A bottom legend is one row and does not wrap: on a narrow card, lay it out in columns.
  function legendColumns(el, cats) {
    var longest = Math.max.apply(null, cats.map(function (c) { return String(c).length; }).concat([1]));
    var columns = Math.max(1, Math.floor((el._width || 600) / (30 + 6.5 * longest)));
    return columns < cats.length ? columns : 0;
  }

  function show(el, ctx, built) {
    var lib = window.PYPISTATS_CHARTS, name = templateName(el, ctx), inputs = lib.inputs[name];
    var datasets = datasetsOf(ctx, built, el.getAttribute("data-chart"));
    var signals = {
      xdomain: [localMs(ctx.start), localMs(ctx.end)], cats: built.cats.slice(),
      colors: strongColours(built.colors), ytitle: "downloads / " + UNIT[ctx.agg],
      legendColumns: legendColumns(el, built.cats)
    };
    if (inputs.indexOf("releases") >= 0) signals.showReleases = ctx.releases;
    built.drawn = datasets;
    function labelled() {
      var svg = el.querySelector("svg");
      if (svg) svg.setAttribute("aria-label", built.summary);
    }
    if (el._view && el._template === name) {  // the same template: new values, one run
      var view = el._view;
      inputs.forEach(function (k) { view.data(k, datasets[k] || []); });
      Object.keys(signals).forEach(function (k) { view.signal(k, signals[k]); });
      return view.runAsync().then(labelled);
    }
    dropView(el);
    el.innerHTML = "";
    var spec = themed(JSON.parse(JSON.stringify(lib.templates[name])));
    spec.data.forEach(function (d) { if (inputs.indexOf(d.name) >= 0) d.values = datasets[d.name] || []; });
    spec.signals.forEach(function (s) { if (s.name in signals) s.value = signals[s.name]; });
    spec.description = built.summary;
    el._template = name;
    el._view = new window.vega.View(window.vega.parse(spec), {
      renderer: "svg", container: el, hover: true, tooltip: tooltip, logLevel: window.vega.Warn
    });
    el.setAttribute("role", "img");  // Vega gives its container a role of its own
    return el._view.runAsync().then(labelled);
  }

  // Read once per page (reading styles after other charts changed the DOM forces a layout).
  var css = {};

  function cssVar(name) {
    if (!(name in css)) {
      css[name] = window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    }
    return css[name];
  }

  // The page's colours (style.css, light or dark scheme) for the axes and legends.
  function themed(spec) {
    var label = cssVar("--chart-label"), legend = cssVar("--chart-legend");
    var domain = cssVar("--chart-domain"), grid = cssVar("--chart-grid");
    if (!label || !spec.config) return spec;
    spec.config.axis = Object.assign({}, spec.config.axis, {
      labelColor: label, titleColor: label, domainColor: domain, tickColor: domain
    });
    spec.config.axisY = Object.assign({}, spec.config.axisY, { gridColor: grid });
    spec.config.legend = Object.assign({}, spec.config.legend, { labelColor: legend });
    return spec;
  }

  // The palette's darkest colour (the main series) would vanish on a dark card.
  function strongColours(colors) {
    var strong = cssVar("--chart-strong");
    return colors.map(function (c) {
      return strong && c.toUpperCase() === "#332288" ? strong : c;
    });
  }

  // Tooltips: a {title: text} table beside the pointer (the markup vega-tooltip writes).
  var tip = null;

  function tooltip(handler, event, item, value) {
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "vg-tooltip-element";
      tip.className = "vg-tooltip custom-theme";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    if (value === null || value === undefined || value === "") {
      tip.classList.remove("visible");
      return;
    }
    var rows = typeof value === "object" ? Object.keys(value).map(function (k) {
      return "<tr><td class=\"key\">" + esc(k) + ":</td><td class=\"value\">" + esc(value[k]) + "</td></tr>";
    }) : ["<tr><td class=\"value\">" + esc(value) + "</td></tr>"];
    tip.innerHTML = "<table>" + rows.join("") + "</table>";
    tip.classList.add("visible");
    var box = tip.getBoundingClientRect(), x = event.clientX + 12, y = event.clientY + 12;
    if (x + box.width > window.innerWidth - 4) x = Math.max(4, event.clientX - box.width - 12);
    if (y + box.height > window.innerHeight - 4) y = Math.max(4, event.clientY - box.height - 12);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  // ------------------------------------------------------------ drawing and text alternatives

  function renderTable(el) {
    var details = el._details, built = el._built;
    if (!details || !built || !details.open || details._for === built) return;
    details._for = built;
    var table = details.querySelector("table");
    table.caption.textContent = built.summary;
    var head = "<tr>" + built.columns.map(function (c, i) {
      return "<th scope=\"col\"" + (i ? " class=\"num\"" : "") + ">" + esc(c) + "</th>";
    }).join("") + "</tr>";
    var rows = built.rows.map(function (r) {
      return "<tr>" + r.map(function (c, i) {
        return i ? "<td class=\"num\">" + esc(c) + "</td>" : "<th scope=\"row\">" + esc(c) + "</th>";
      }).join("") + "</tr>";
    });
    table.tHead.innerHTML = head;
    table.tBodies[0].innerHTML = rows.join("");
  }

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function done(el, started) {
    el.removeAttribute("aria-busy");
    el.setAttribute("data-draw-ms", String(Math.round(performance.now() - started)));
    el.setAttribute("data-drawn", String(+(el.getAttribute("data-drawn") || 0) + 1));
    el.setAttribute("data-drawn-at", String(Math.round(performance.now())));  // benchmarks
  }

  function drawNow(el, ctx) {
    var started = performance.now();
    el.setAttribute("aria-busy", "true");
    var waits = [loadRange(ctx.start, ctx.end)];
    if (el.getAttribute("data-chart") === "overall") waits.push(loadReleases(ctx.page));
    return Promise.all(waits).then(function () {
      tableOf("overall");  // the days reported (page.reported), before any other kind
      var table = tableOf(el.getAttribute("data-kind"));
      var built = BUILDERS[el.getAttribute("data-chart")](ctx, table, el);
      el.setAttribute("data-build-ms", String(Math.round(performance.now() - started)));
      built.table = table;
      el._built = built;
      el.setAttribute("aria-label", built.summary);
      renderTable(el);
      if (built.releases) markReleases(el, built.releases);
      if (!built.empty) return show(el, ctx, built);
      dropView(el);
      el.innerHTML = "";
      var note = document.createElement("p");
      note.className = "chart-fallback muted";
      note.textContent = "No " + el.getAttribute("data-title").toLowerCase() + " data between " +
        isoOf(ctx.start) + " and " + isoOf(ctx.end) + (table.first <= table.last
          ? ": it covers " + isoOf(table.first) + " to " + isoOf(table.last) + "." : ".");
      el.appendChild(note);
      return null;
    }).then(function () { done(el, started); }).catch(function (err) {
      dropView(el);
      el.classList.add("chart-error");
      el.textContent = "This chart could not be drawn (" + err.message + "). The CSV link above has the data.";
      done(el, started);
      if (window.console) console.error(err);
    });
  }

  function draw(el, ctx) {  // one draw at a time per chart, in click order
    el._chain = (el._chain || Promise.resolve()).then(function () { return drawNow(el, ctx); });
    return el._chain;
  }

  // ------------------------------------------------------------ state (in the URL) and controls

  function press(buttons, active) {
    forEach(buttons, function (b) { b.setAttribute("aria-pressed", b === active ? "true" : "false"); });
  }

  function rangeName(button) { return button.textContent.trim().toLowerCase(); }

  function readState(buttons) {
    var q = new URLSearchParams(location.hash.replace(/^#/, "")), state = { modes: {} };
    forEach(buttons, function (b) {
      if (q.get("range") === rangeName(b) || q.get("range") === b.getAttribute("data-range")) state.range = b;
    });
    if (UNIT[q.get("agg")]) state.agg = q.get("agg");
    state.scale = q.get("scale") === "log" ? "log" : "linear";
    state.releases = q.get("releases") !== "off";
    q.forEach(function (v, k) {
      if (k.indexOf("mode.") === 0 && (v === "pct" || v === "abs")) state.modes[k.slice(5)] = v;
    });
    return state;
  }

  function writeState(state) {
    var q = new URLSearchParams();
    q.set("range", rangeName(state.range));
    if (state.agg) q.set("agg", state.agg);
    if (state.scale === "log") q.set("scale", "log");
    if (!state.releases) q.set("releases", "off");
    Object.keys(state.modes).sort().forEach(function (k) { q.set("mode." + k, state.modes[k]); });
    history.replaceState(history.state, "", location.pathname + location.search + "#" + q.toString());
  }

  function autoAgg(key, first, last) {
    var days = key === "all" ? last - first + 1 : parseInt(key, 10);
    return days > 548 && key === "all" ? "month" : days > 90 ? "week" : "day";
  }

  function initCharts() {
    var group = document.querySelector("[data-range-group]");
    var charts = document.querySelectorAll(".chart[data-chart]");
    if (!group || !charts.length || !window.vega || !window.PYPISTATS_CHARTS) return;
    var overallEl = document.querySelector(".chart[data-chart=overall]");
    var years = (group.getAttribute("data-years") || "").split(" ");
    source.base = group.getAttribute("data-chart-data") || "";
    source.first = +years[0];
    source.last = +(years[1] || years[0]);
    forEach(charts, function (el) {  // each kind's first and last day in its whole history
      var t = tableOf(el.getAttribute("data-kind")), first = el.getAttribute("data-kind-first");
      if (!first) return;
      t.first = dayOf(first);
      t.last = dayOf(el.getAttribute("data-kind-last") || first);
      t.bounded = true;
    });
    var releasesToggle = document.querySelector("[data-releases-toggle]");
    var gapsAt = document.querySelector(".chart[data-gaps]");
    var nodataAt = document.querySelector(".chart[data-nodata]");
    var page = {
      first: dayOf(group.getAttribute("data-first")), last: dayOf(group.getAttribute("data-last")),
      name: group.getAttribute("data-package") || document.querySelector("h1").textContent.trim(),
      gaps: daySet(gapsAt && gapsAt.getAttribute("data-gaps")),
      nodata: daySet(nodataAt && nodataAt.getAttribute("data-nodata")),
      reported: tableOf("overall").days,  // filled as the years load
      releasesUrl: releasesToggle && releasesToggle.getAttribute("data-releases")
    };
    var rangeButtons = group.querySelectorAll("[data-range]");
    var aggButtons = group.querySelectorAll("[data-agg]");
    var scaleButtons = document.querySelectorAll("[data-scale]");
    var state = readState(rangeButtons);
    if (!state.range) {
      forEach(rangeButtons, function (b) { if (b.getAttribute("aria-pressed") === "true") state.range = b; });
      state.range = state.range || rangeButtons[rangeButtons.length - 1];
    }

    function ctxFor(el) {
      var key = state.range.getAttribute("data-range");
      var start = key === "all" ? page.first : Math.max(page.first, page.last - parseInt(key, 10) + 1);
      var kind = el.getAttribute("data-kind");
      return { page: page, start: start, end: page.last, agg: state.agg || autoAgg(key, page.first, page.last),
               scale: state.scale, mode: state.modes[kind] || el.getAttribute("data-mode"),
               releases: state.releases };
    }
    function showControls() {
      press(rangeButtons, state.range);
      var agg = ctxFor(charts[0]).agg;
      press(aggButtons, Array.prototype.filter.call(aggButtons, function (b) {
        return b.getAttribute("data-agg") === agg; })[0]);
      press(scaleButtons, Array.prototype.filter.call(scaleButtons, function (b) {
        return b.getAttribute("data-scale") === state.scale; })[0]);
      if (releasesToggle) releasesToggle.setAttribute("aria-pressed", state.releases ? "true" : "false");
      forEach(charts, function (el) {
        var card = el.closest(".chart-card"), mode = ctxFor(el).mode;
        el.setAttribute("data-mode", mode);
        if (card) press(card.querySelectorAll("button[data-mode]"), card.querySelector("button[data-mode=" + mode + "]"));
      });
    }
    var generation = 0;
    // One chart at a time: those in view first (the top one first), then those off screen,
    // one per task, so a click shows its new chart at once and the page stays responsive.
    // A newer click supersedes what is still to be drawn.
    function redraw(which) {
      var gen = ++generation, inView = [], later = [], height = window.innerHeight;
      forEach(which || charts, function (el) {  // every read before the first write
        var box = el.getBoundingClientRect();
        el._width = box.width;
        el._gen = gen;
        (box.bottom > -100 && box.top < height + 100 ? inView : later).push(el);
      });
      showControls();
      function next(el) { return el._gen === gen ? draw(el, ctxFor(el)) : null; }
      var chain = inView.reduce(function (previous, el) {
        return previous.then(function () { return next(el); });
      }, Promise.resolve());
      later.reduce(function (previous, el) {
        return previous.then(function () {
          return new Promise(function (resolve) { setTimeout(resolve, 0); });
        }).then(function () { return next(el); });
      }, chain);
    }
    function control(buttons, apply, which) {
      forEach(buttons, function (b) {
        b.addEventListener("click", function () { apply(b); writeState(state); redraw(which && which(b)); });
      });
    }
    control(rangeButtons, function (b) { state.range = b; state.agg = null; });
    control(aggButtons, function (b) { state.agg = b.getAttribute("data-agg"); });
    control(scaleButtons, function (b) { state.scale = b.getAttribute("data-scale"); },
            function () { return overallEl ? [overallEl] : []; });
    if (releasesToggle && overallEl) {  // a signal of the view the chart has: no rebuild
      releasesToggle.addEventListener("click", function () {
        state.releases = !state.releases;
        writeState(state);
        showControls();
        overallEl._chain = (overallEl._chain || Promise.resolve()).then(function () {
          var started = performance.now();
          if (!overallEl._view || !overallEl._built) return null;
          return overallEl._view.signal("showReleases", state.releases).runAsync()
            .then(function () { done(overallEl, started); });
        });
      });
    }
    forEach(charts, function (el) {
      var card = el.closest(".chart-card");
      el._details = card && card.querySelector("details[data-chart-table]");
      if (el._details) {
        el._details.hidden = false;
        el._details.addEventListener("toggle", function () { renderTable(el); });
      }
      control(card ? card.querySelectorAll("button[data-mode]") : [], function (b) {
        state.modes[el.getAttribute("data-kind")] = b.getAttribute("data-mode");
      }, function () { return [el]; });
    });
    window.addEventListener("hashchange", function () {  // a link to another view of the page
      var next = readState(rangeButtons);
      state.range = next.range || state.range;
      state.agg = next.agg || null;
      state.scale = next.scale;
      state.releases = next.releases;
      state.modes = next.modes;
      redraw();
    });
    // the years the page preloads for its default range are used, whatever the URL shows
    forEach(document.querySelectorAll("link[rel=preload][as=fetch]"), function (link) {
      var year = /chart-(\d{4})\.json$/.exec(link.href);
      if (year) loadYear(+year[1]);
    });
    redraw();
  }

  window.PYPISTATS_CHART_DATA = {  // the pure parts and the loaded years, for tests
    periods: periods, chooseCategories: chooseCategories, compact: compact, autoAgg: autoAgg,
    dayOf: dayOf, isoOf: isoOf, cached: function () { return Object.keys(chunks); }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initCharts);
  else initCharts();
})();
