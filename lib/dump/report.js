/* report.js - the HTML report's script (rtrack-dump --format html), inlined
 * after uPlot.  It reads the data script (#rtrack-data) that html.c (one
 * run) or html_compare.c (several) wrote and draws the charts and the
 * process tree.  Text from a log reaches the page only as text
 * (textContent, uPlot's labels), never as markup.
 *
 * Big logs (a day at 10 Hz is 864,000 rows): a chart draws at most two
 * points per pixel column of the range in view, each bucket's smallest
 * and largest value in the order they came (both measured, so the
 * envelope drawn is exact), and a few coarse buckets outside the view so
 * that a double-click still resets to the whole run.  The full series
 * stay in memory: a zoom redraws from them, and the legend shows the
 * exact sample under the cursor, or the range of the samples a point
 * stands for.
 *
 * For tests it leaves window.rtrackPlots (the uPlot instances),
 * window.rtrackColumn (a series of the data script as an array),
 * body[data-rtrack-charts] (how many) and body[data-rtrack-procs] (rows
 * of the process tree shown). */
(function () {
'use strict';

var D = JSON.parse(document.getElementById('rtrack-data').textContent);
var SIDE = {process: ['#047857', '#34d399', '#059669'],
	system: ['#2563eb', '#2563eb']};
var RUNS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed',
	'#0891b2', '#db2777', '#65a30d', '#4b5563', '#9333ea'];
var H = 240, EDGE = 24, TOP = 20, OPEN_DEPTH = 50;

/* ---- words and numbers ---- */

function el(tag, cls, text, parent) {
	var e = document.createElement(tag);
	if (cls) e.className = cls;
	if (text != null) e.textContent = text;
	if (parent) parent.appendChild(e);
	return e;
}

function bytes(v) {
	var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], i = 0;
	while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
	return (i ? v.toFixed(v < 10 ? 2 : 1) : v.toFixed(0)) + ' ' + u[i];
}

function human(v, unit) {
	if (v == null || !isFinite(v)) return '\u2013';
	if (unit === 'B/s') return bytes(v) + '/s';
	if (unit === 'MiB') return bytes(v * 1048576);
	if (unit === 'GB') return v.toFixed(1) + ' GB';
	return v.toFixed(2) + ' ' + unit;
}

function secs(s) {
	if (s == null || !isFinite(s)) return 'n/a';
	if (s < 1) return Math.round(s * 1000) + ' ms';
	if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
	var t = Math.round(s);
	if (t < 3600) return Math.floor(t / 60) + ' min ' +
		String(t % 60).padStart(2, '0') + ' s';
	return Math.floor(t / 3600) + ' h ' +
		String(Math.floor(t % 3600 / 60)).padStart(2, '0') + ' min';
}

/* s seconds as "12.5 s" under a minute, else [h:]mm:ss, with dec digits
 * of the second (default: as many as a sample at 10 Hz needs). */
function clock(s, dec) {
	if (s == null) return '';
	if (dec == null) dec = Math.abs(s) < 10 ? 2 : 1;
	if (Math.abs(s) < 60) return s.toFixed(dec) + ' s';
	var t = Math.floor(s), h = Math.floor(t / 3600),
		m = Math.floor(t % 3600 / 60),
		x = (s - t + t % 60).toFixed(dec);
	if (x.length < (dec ? dec + 3 : 2)) x = '0' + x;
	return (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + x;
}

/* The decimals an axis of ticks incr apart needs. */
function tickDecimals(incr) {
	return incr >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(incr) - 1e-9));
}

/* ---- series: full data, decimated for drawing ---- */

/* A series as html_page.c wrote it: a JSON array, or, for a long one,
 * {enc, dec}: each value times 10^dec as the delta from the last one,
 * zigzag, 5 bits a character of ALPHA (bit 5: more follow), '.' a null. */
var ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
var DIGIT = new Int8Array(128).fill(-1);
for (var a = 0; a < ALPHA.length; a++) DIGIT[ALPHA.charCodeAt(a)] = a;

function column(v) {
	if (Array.isArray(v) || v == null) return v;
	var s = v.enc, scale = Math.pow(10, v.dec), out = [], last = 0;
	for (var i = 0; i < s.length;) {
		if (s.charCodeAt(i) === 46) { out.push(null); i++; continue; }
		var z = 0, mul = 1, d;
		do {
			d = DIGIT[s.charCodeAt(i++)];
			if (d < 0) throw new Error('damaged series data');
			z += (d & 31) * mul;
			mul *= 32;
		} while (d & 32);
		last += z % 2 ? -(z + 1) / 2 : z / 2;
		out.push(last / scale);
	}
	return out;
}

/* The rows a chart can draw: a time that moves forward (uPlot needs x
 * ascending); rows without one are left out. */
function usable(x) {
	var keep = [], last = -Infinity;
	for (var i = 0; i < x.length; i++)
		if (typeof x[i] === 'number' && x[i] > last) {
			keep.push(i);
			last = x[i];
		}
	return keep;
}

function pick(a, keep) {
	if (keep.length === a.length) return a;
	var out = new Array(keep.length);
	for (var i = 0; i < keep.length; i++) out[i] = a[keep[i]];
	return out;
}

/* One group of series that share an x: {x, cols (what is drawn), raw
 * (what the legend says; stacked series differ), top (the topmost of the
 * stacked columns, whose order of min and max the others follow, so that
 * stacked lines never cross; -1 none), stacked (which columns are)}. */
function group(x, cols, raw, stacked) {
	stacked = stacked || cols.map(function () { return false; });
	return {x: x, cols: cols, raw: raw || cols, stacked: stacked,
		top: stacked.lastIndexOf(true)};
}

function lowerBound(a, v) {
	var lo = 0, hi = a.length;
	while (lo < hi) {
		var m = (lo + hi) >> 1;
		if (a[m] < v) lo = m + 1; else hi = m;
	}
	return lo;
}

/* Rows [lo, hi) of g in at most 2 * nb rows, appended to out: a row a
 * full row where they fit, else each bucket's first and last time with
 * each series' min and max in the order they occurred.  out.from/out.to:
 * the full rows each drawn row stands for. */
function decimate(g, lo, hi, nb, out) {
	var n = hi - lo, k = g.cols.length, c, i;
	if (n <= 0) return;
	if (n <= 2 * nb) {
		for (i = lo; i < hi; i++) {
			out.x.push(g.x[i]);
			for (c = 0; c < k; c++) out.cols[c].push(g.cols[c][i]);
			out.from.push(i);
			out.to.push(i);
		}
		return;
	}
	var per = n / nb;
	for (var b = 0; b < nb; b++) {
		var s = lo + Math.floor(b * per), e = lo + Math.floor((b + 1) * per);
		if (e - s < 2) continue;
		out.x.push(g.x[s], g.x[e - 1]);
		out.from.push(s, s);
		out.to.push(e - 1, e - 1);
		var topFirst = true;
		for (c = k - 1; c >= 0; c--) {
			var a = g.cols[c], mn = null, mx = null, imn = 0, imx = 0;
			for (i = s; i < e; i++) {
				var v = a[i];
				if (v == null) continue;
				if (mn === null || v < mn) { mn = v; imn = i; }
				if (mx === null || v > mx) { mx = v; imx = i; }
			}
			var minFirst = g.stacked[c] && c !== g.top ? topFirst :
				imn <= imx;
			if (c === g.top) topFirst = minFirst;
			if (minFirst) out.cols[c].push(mn, mx);
			else out.cols[c].push(mx, mn);
		}
	}
}

/* Rows [lo, hi) as at most nb of them, evenly spaced: off the view, they
 * only keep the run's extent for a reset, so they need not be scanned. */
function thin(g, lo, hi, nb, out) {
	var n = hi - lo, k = g.cols.length;
	for (var b = 0; b < nb && n > 0; b++) {
		var i = lo + Math.floor(b * n / nb);
		if (b === nb - 1) i = hi - 1;
		out.x.push(g.x[i]);
		for (var c = 0; c < k; c++) out.cols[c].push(g.cols[c][i]);
		out.from.push(i);
		out.to.push(i);
	}
}

/* g for a view of [min, max]: fine inside (nb buckets), a few rows of
 * each side outside. */
function view(g, min, max, nb) {
	var n = g.x.length, out = {x: [], cols: g.cols.map(function () {
		return [];
	}), from: [], to: []};
	var lo = Math.max(0, lowerBound(g.x, min) - 1),
		hi = Math.min(n, lowerBound(g.x, max) + 1);
	if (!(min > g.x[0]) && !(max < g.x[n - 1])) { lo = 0; hi = n; }
	thin(g, 0, lo, Math.min(EDGE, lo), out);
	decimate(g, lo, hi, nb, out);
	thin(g, hi, n, Math.min(EDGE, n - hi), out);
	return out;
}

/* Several groups' views on one x (uPlot's aligned data): a group's rows
 * are undefined where another group has a time it has not, which uPlot
 * bridges (null stays a gap). */
function join(views) {
	if (views.length === 1)
		return {data: [views[0].x].concat(views[0].cols),
			rows: [null], views: views};
	var xs = [], rows = views.map(function () { return []; });
	var pos = views.map(function () { return 0; });
	for (;;) {
		var best = Infinity;
		views.forEach(function (v, g) {
			if (pos[g] < v.x.length && v.x[pos[g]] < best)
				best = v.x[pos[g]];
		});
		if (best === Infinity) break;
		xs.push(best);
		views.forEach(function (v, g) {
			if (pos[g] < v.x.length && v.x[pos[g]] === best)
				rows[g].push(pos[g]++);
			else
				rows[g].push(-1);
		});
	}
	var data = [xs];
	views.forEach(function (v, g) {
		v.cols.forEach(function (col) {
			data.push(rows[g].map(function (r) {
				return r < 0 ? undefined : col[r];
			}));
		});
	});
	return {data: data, rows: rows, views: views};
}

/* ---- charts ---- */

var plots = [], charts = [];

function plotWidth(el) {
	return Math.max(320, el.clientWidth);
}

/* The legend's value of series s (1-based) at drawn row idx: the exact
 * sample, or "a – b" over the samples the row stands for. */
function legendValue(ch, s, idx) {
	if (idx == null || !ch.joined) return '\u2013';
	var m = ch.map[s - 1], v = ch.joined.views[m.g];
	var r = ch.joined.rows[m.g] ? ch.joined.rows[m.g][idx] : idx;
	if (r == null || r < 0) return '\u2013';
	var raw = ch.groups[m.g].raw[m.c], from = v.from[r], to = v.to[r];
	if (from === to) return human(raw[from], ch.unit);
	var mn = null, mx = null;
	for (var i = from; i <= to; i++) {
		var x = raw[i];
		if (x == null) continue;
		if (mn === null || x < mn) mn = x;
		if (mx === null || x > mx) mx = x;
	}
	if (mn === null) return '\u2013';
	return mn === mx ? human(mn, ch.unit) :
		human(mn, ch.unit) + ' \u2013 ' + human(mx, ch.unit);
}

/* The legend's time: exact, or the span a point stands for. */
function legendTime(ch, idx) {
	if (idx == null || !ch.joined) return '';
	var v = ch.joined.views[0], r = ch.joined.rows[0] ?
		ch.joined.rows[0][idx] : idx;
	if (r == null || r < 0 || v.from[r] === v.to[r])
		return clock(ch.joined.data[0][idx], 3);
	var x = ch.groups[0].x;
	return clock(x[v.from[r]]) + ' \u2013 ' + clock(x[v.to[r]]);
}

function redraw(ch, u, min, max) {
	ch.joined = join(ch.groups.map(function (g) {
		return view(g, min, max, ch.buckets);
	}));
	ch.min = min;
	ch.max = max;
	if (!u) return;
	u.setData(ch.joined.data, false);
	/* setData without a reset keeps uPlot's window of visible rows from
	 * the old data: the same scale set again (after the change that
	 * called this has been applied) makes it find the new one. */
	queueMicrotask(function () {
		if (ch.min === min && ch.max === max)
			u.setScale('x', {min: min, max: max});
	});
}

/* The levels that fit: always those marked fit, the others (the
 * machine's size) where they are within 3 times the rest. */
function yRange(ch) {
	return function (u, mn, mx) {
		var top = mx > 0 ? mx : 0;
		ch.lines.forEach(function (l) {
			if (l.fit) top = Math.max(top, l.value);
		});
		ch.lines.forEach(function (l) {
			l.shown = l.fit || l.value <= 3 * top;
			if (l.shown) top = Math.max(top, l.value);
		});
		if (!(top > 0)) top = ch.unit === 'B/s' ? 1024 : 1;
		return [0, top * 1.1];
	};
}

/* Levels at one value are one line with both labels. */
function drawLines(ch) {
	return function (u) {
		var c = u.ctx, r = window.devicePixelRatio || 1, b = u.bbox, at = {};
		ch.lines.forEach(function (l) {
			if (!l.shown) return;
			if (at[l.value]) { at[l.value].label += ', ' + l.label; return; }
			at[l.value] = {label: l.label, value: l.value};
		});
		Object.keys(at).forEach(function (k) {
			var l = at[k];
			var y = Math.round(u.valToPos(l.value, 'y', true));
			if (y < b.top || y > b.top + b.height) return;
			c.save();
			c.strokeStyle = '#6b7280';
			c.lineWidth = r;
			c.setLineDash([5 * r, 4 * r]);
			c.beginPath();
			c.moveTo(b.left, y);
			c.lineTo(b.left + b.width, y);
			c.stroke();
			c.fillStyle = '#374151';
			c.font = (11 * r) + 'px system-ui, sans-serif';
			c.textAlign = 'right';
			c.fillText(l.label + ': ' + human(l.value, ch.unit),
				b.left + b.width - 4 * r, y - 4 * r);
			c.restore();
		});
	};
}

var BIN = [];
for (var p = 1; p <= Math.pow(1024, 5); p *= 1024)
	[1, 2, 5, 10, 20, 50, 100, 200, 500].forEach(function (m) {
		BIN.push(m * p);
	});

function yAxis(ch) {
	var a = {size: 96, values: function (u, v) {
		return v.map(function (y) { return human(y, ch.unit); });
	}};
	if (ch.unit === 'B/s') a.incrs = BIN;
	return a;
}

/* One chart: ch = {id, title, unit, note, lines, groups, series (uPlot's,
 * after the x), map (series -> group and column), bands}. */
function chart(ch, parent) {
	var box = el('div', 'chart', null, parent), syncing = false;
	box.id = 'chart-' + ch.id;
	var plotBox = el('div', null, null, box);
	var note = el('p', 'note', ch.note, box);
	ch.buckets = Math.max(100, plotWidth(box) - 100);
	var x0 = Infinity, x1 = -Infinity;
	ch.groups.forEach(function (g) {
		if (g.x.length) {
			x0 = Math.min(x0, g.x[0]);
			x1 = Math.max(x1, g.x[g.x.length - 1]);
		}
	});
	redraw(ch, null, x0, x1);
	var top = 0;
	ch.groups.forEach(function (g) {
		g.cols.forEach(function (c) {
			for (var i = 0; i < c.length; i++)
				if (c[i] > top) top = c[i];
		});
	});
	ch.lines.forEach(function (k) {
		if (k.fit) top = Math.max(top, k.value);
	});
	var off = ch.lines.filter(function (l) {
		return !l.fit && l.value > 3 * top;
	});
	if (off.length)
		note.textContent += '  Off the scale: ' + off.map(function (l) {
			return l.label + ' ' + human(l.value, ch.unit);
		}).join(', ') + '.';
	var series = [{label: 'time', value: function (u, v, s, idx) {
		return legendTime(ch, idx);
	}}].concat(ch.series.map(function (s, k) {
		s.value = function (u, v, si, idx) {
			return legendValue(ch, k + 1, idx);
		};
		return s;
	}));
	var opts = {
		title: ch.title + ' (' + ch.unit + ')',
		width: plotWidth(box), height: H,
		cursor: {sync: {key: 'rtrack'}, drag: {x: true, y: false}},
		scales: {x: {time: false}, y: {range: yRange(ch)}},
		axes: [{values: function (u, v, ax, space, incr) {
			var dec = tickDecimals(incr);
			return v.map(function (t) { return clock(t, dec); });
		}},
			yAxis(ch)],
		series: series,
		bands: ch.bands,
		hooks: {
			draw: [drawLines(ch)],
			setScale: [function (u, key) {
				var mn = u.scales.x.min, mx = u.scales.x.max;
				if (key !== 'x' || syncing ||
				    (mn === ch.min && mx === ch.max))
					return;
				syncing = true;
				redraw(ch, u, mn, mx);
				syncing = false;
			}]
		}
	};
	var u = new uPlot(opts, ch.joined.data, plotBox);
	plots.push(u);
	charts.push(ch);
	return u;
}

/* Stacked series are drawn as running sums (the legend keeps each one's
 * own value), filled down to the one below. */
function stack(cols, specs) {
	var sum = null, out = [], bands = [], prev = -1;
	specs.forEach(function (s, k) {
		if (!s.stack) { out.push(cols[k]); return; }
		var c = cols[k];
		sum = sum ? sum.map(function (v, i) {
			return v == null || c[i] == null ? null : v + c[i];
		}) : c.slice();
		out.push(sum);
		if (prev >= 0) bands.push({series: [k + 1, prev + 1]});
		prev = k;
	});
	return {cols: out, bands: bands};
}

function runCharts(parent) {
	var all = column(D.x), keep = usable(all), x = pick(all, keep);
	D.charts.forEach(function (c) {
		var raw = c.series.map(function (s) {
			return pick(column(s.data), keep);
		});
		var st = stack(raw, c.series), nth = {process: 0, system: 0};
		var series = c.series.map(function (s) {
			var col = SIDE[s.side][s.dashed ? 0 : nth[s.side]++] ||
				SIDE[s.side][0];
			return {label: s.label, stroke: col, width: 1.5,
				dash: s.dashed ? [6, 4] : undefined, spanGaps: false,
				fill: s.stack ? col + '55' : undefined};
		});
		chart({id: c.id, title: c.title, unit: c.unit, note: c.note,
			lines: c.lines || [], groups: [group(x, st.cols, raw,
				c.series.map(function (s) { return !!s.stack; }))],
			series: series, bands: st.bands,
			map: c.series.map(function (s, k) {
				return {g: 0, c: k};
			})}, parent);
	});
}

function compareCharts(parent) {
	var runs = D.runs.map(function (r) {
		var all = column(r.x), keep = usable(all);
		return {label: r.label + r.log, x: pick(all, keep), keep: keep,
			data: r.data};
	});
	D.charts.forEach(function (c) {
		var groups = [], series = [], map = [];
		runs.forEach(function (r, i) {
			if (!r.data[c.id]) return;
			groups.push(group(r.x, [pick(column(r.data[c.id]), r.keep)]));
			series.push({label: r.label, stroke: RUNS[i % RUNS.length],
				width: 1.5});
			map.push({g: groups.length - 1, c: 0});
		});
		chart({id: c.id, title: c.title, unit: c.unit, note: c.note,
			lines: [], groups: groups, series: series, map: map},
			parent);
	});
	document.querySelectorAll('.swatch[data-run]').forEach(function (s) {
		s.style.background = RUNS[+s.dataset.run % RUNS.length];
	});
}

/* ---- the process tree ---- */

var INTERPRETERS = /^(sh|bash|dash|zsh|ksh|env|perl|ruby|node|python[0-9.]*)$/;

function base(w) {
	var i = w.lastIndexOf('/');
	return i >= 0 ? w.slice(i + 1) : w;
}

/* What repeated commands have in common: the program, and for an
 * interpreter the script it runs. */
function program(cmd) {
	var w = cmd.split(' ').filter(function (s) { return s; });
	if (!w.length) return '?';
	var p = base(w[0]);
	if (INTERPRETERS.test(p))
		for (var i = 1; i < w.length; i++)
			if (w[i][0] !== '-') return p + ' ' + base(w[i]);
	return p;
}

function procNodes(P) {
	var nodes = P.map(function (p, i) {
		return {id: 'p' + i, parent: p[0], pid: p[1], start: p[2],
			end: p[3], cpu: p[4], rss: p[5], rd: p[6], wr: p[7],
			exit: p[8], exact: p[9], cmd: p[10], kids: [], up: null};
	});
	var links = nodes.map(function () { return []; }), roots = [];
	nodes.forEach(function (n, i) {
		var up = nodes[n.parent];
		if (up && up !== n) links[n.parent].push(n); else roots.push(n);
	});
	/* A walk from the roots, without recursion (deep chains): a node's
	 * children are those it reached first, so that a parent cycle in a
	 * damaged log cannot loop; what no root reaches becomes a root. */
	var seen = new Array(nodes.length), order = [], todo = [];
	function walk() {
		while (todo.length) {
			var n = todo.pop(), i = +n.id.slice(1);
			order.push(n);
			links[i].forEach(function (k) {
				var j = +k.id.slice(1);
				if (seen[j]) return;
				seen[j] = true;
				k.up = n;
				n.kids.push(k);
				todo.push(k);
			});
		}
	}
	roots.forEach(function (r) { seen[+r.id.slice(1)] = true; });
	todo = roots.slice();
	walk();
	nodes.forEach(function (n, i) {
		if (seen[i]) return;
		seen[i] = true;
		roots.push(n);
		todo.push(n);
		walk();
	});
	for (var k = order.length - 1; k >= 0; k--) {
		var n = order[k];
		n.dur = n.end != null && n.start != null ? n.end - n.start : null;
		n.cpuAll = n.cpu || 0;
		n.kids.forEach(function (c) { n.cpuAll += c.cpuAll || 0; });
	}
	return roots;
}

/* A parent's children as rows: a command three times or more is one
 * group row. */
function rowsOf(id, kids) {
	var by = Object.create(null), rows = []; /* no "constructor" */
	kids.forEach(function (k) {
		var key = program(k.cmd);
		(by[key] = by[key] || []).push(k);
	});
	Object.keys(by).forEach(function (key) {
		var m = by[key];
		if (m.length < 3) { rows.push.apply(rows, m); return; }
		var g = {id: id + '/' + key, group: true, cmd: key, members: m,
			cpu: 0, cpuAll: 0, rss: 0, rd: 0, wr: 0, dur: null,
			start: null, failed: 0, alive: 0, unknown: 0, exact: 1};
		m.forEach(function (k) {
			g.cpu += k.cpu || 0;
			g.cpuAll += k.cpuAll || 0;
			g.rss = Math.max(g.rss, k.rss || 0);
			g.rd += k.rd || 0;
			g.wr += k.wr || 0;
			if (k.dur != null) g.dur = Math.max(g.dur || 0, k.dur);
			if (k.start != null)
				g.start = g.start == null ? k.start :
					Math.min(g.start, k.start);
			if (k.exit === 'alive') g.alive++;
			else if (k.exit === '?') g.unknown++;
			else if (k.exit !== '0') g.failed++;
			g.exact = g.exact && k.exact;
		});
		rows.push(g);
	});
	return rows;
}

var SORTS = {cpu: 'cpuAll', memory: 'rss', duration: 'dur', start: 'start'};

/* A group's exits in words: "all 0", "2 failed", "3 alive", ... */
function groupExit(g) {
	var n = g.members.length, w = [];
	if (g.failed) w.push(g.failed + ' failed');
	if (g.alive) w.push(g.alive + ' alive');
	if (g.unknown) w.push(g.unknown + ' unknown');
	return w.length ? w.join(', ') : (n === 2 ? 'both 0' : 'all 0');
}

function procTable(parent, roots) {
	var open = {}, all = {}, sort = 'cpu', shown = 0;
	var scroll = el('div', 'scroll', null, parent);
	var table = el('table', null, null, scroll);
	var head = el('tr', null, null, el('thead', null, null, table));
	var body = el('tbody', null, null, table);
	[['command', 'l', null], ['pid'], ['start', 0, 'start'],
	 ['duration', 0, 'duration'], ['CPU'], ['CPU with children', 0, 'cpu'],
	 ['peak RSS', 0, 'memory'], ['read'], ['written'], ['exit', 'l']]
		.forEach(function (h) {
			var th = el('th', h[1] || null, h[0], head);
			if (!h[2]) return;
			th.classList.add('sort');
			th.dataset.sort = h[2];
			th.title = 'sort by ' + h[2];
			th.addEventListener('click', function () {
				sort = h[2];
				render();
			});
		});

	function order(rows) {
		var k = SORTS[sort], asc = sort === 'start';
		return rows.slice().sort(function (a, b) {
			var x = a[k] == null ? -Infinity : a[k],
				y = b[k] == null ? -Infinity : b[k];
			return asc ? x - y : y - x;
		});
	}

	function cell(tr, text, cls) {
		return el('td', cls || null, text, tr);
	}

	function row(r, depth, kids) {
		var tr = el('tr', r.group ? 'group' : null, null, body);
		var name = el('td', 'name', null, tr);
		name.style.paddingLeft = (4 + depth * 16) + 'px';
		name.title = r.cmd;
		var tog = el('button', 'tog', kids ? (open[r.id] ? '\u25BE' :
			'\u25B8') : '', name);
		tog.type = 'button';
		if (kids) tog.addEventListener('click', function () {
			open[r.id] = !open[r.id];
			render();
		});
		else tog.disabled = true;
		el('span', null, r.cmd, name);
		if (r.group) el('span', 'count', '\u00D7' + r.members.length, name);
		var approx = r.exact ? '' : '~';
		cell(tr, r.group ? '' : String(r.pid));
		cell(tr, r.start == null || !isFinite(r.start) ? 'n/a' :
			(r.start < 0 ? '\u2212' : '+') + secs(Math.abs(r.start)));
		cell(tr, (r.group && r.dur != null ? 'max ' : '') + secs(r.dur));
		cell(tr, approx + secs(r.cpu), r.exact ? null : 'approx');
		cell(tr, secs(r.cpuAll));
		// null: a brief process's peak, not measured (FORMAT.md X18).
		cell(tr, !r.group && r.rss == null ? 'n/a' :
			(r.group ? 'max ' : '') + bytes((r.rss || 0) * 1048576));
		cell(tr, bytes(r.rd || 0));
		cell(tr, bytes(r.wr || 0));
		cell(tr, r.group ? groupExit(r) : r.exit, 'l');
		shown++;
	}

	function level(id, rows, depth) {
		rows = order(rows);
		var n = all[id] ? rows.length : Math.min(rows.length, TOP);
		for (var i = 0; i < n; i++) {
			var r = rows[i], kids = r.group ? r.members.map(function (m) {
				return m;
			}) : r.kids;
			row(r, depth, kids.length > 0);
			if (open[r.id] && kids.length)
				level(r.id, r.group ? kids : rowsOf(r.id, kids),
					depth + 1);
		}
		if (n < rows.length) {
			var tr = el('tr', 'more', null, body), td = el('td', null,
				'\u2026 ' + (rows.length - n) + ' more (show all)', tr);
			td.colSpan = 10;
			td.style.paddingLeft = (22 + depth * 16) + 'px';
			tr.addEventListener('click', function () {
				all[id] = true;
				render();
			});
		}
	}

	/* Open at first: the roots, and every row that is its parent's
	 * only one (a shell that runs make that runs the compiler), down to
	 * OPEN_DEPTH levels. */
	function openChains(rows) {
		var todo = [[rows, 0]];
		while (todo.length) {
			var t = todo.pop(), list = t[0], depth = t[1];
			list.forEach(function (r) {
				if (r.group || !r.kids.length || depth >= OPEN_DEPTH)
					return;
				if (depth === 0 || list.length === 1) {
					open[r.id] = true;
					todo.push([rowsOf(r.id, r.kids), depth + 1]);
				}
			});
		}
	}

	function render() {
		body.textContent = '';
		shown = 0;
		head.querySelectorAll('th').forEach(function (th) {
			th.classList.toggle('sorted', th.dataset.sort === sort);
		});
		level('', roots, 0);
		document.body.dataset.rtrackProcs = String(shown);
	}

	openChains(roots);
	render();
}

/* ---- the page ---- */

var grid = document.getElementById('charts');
if (D.kind === 'compare') compareCharts(grid);
else runCharts(grid);
var procs = document.getElementById('procs');
if (procs && D.procs) procTable(procs, procNodes(D.procs));

window.rtrackPlots = plots;
window.rtrackColumn = column;
window.addEventListener('resize', function () {
	plots.forEach(function (u, i) {
		var w = plotWidth(u.root.parentNode.parentNode), ch = charts[i];
		u.setSize({width: w, height: H});
		ch.buckets = Math.max(100, w - 100);
		redraw(ch, u, ch.min, ch.max);
	});
});
document.body.dataset.rtrackCharts = String(plots.length);
})();
