// The tickroom monitor page: polls the admin API (overview once a second, the room list every
// two seconds, a room's detail once a second) and draws its charts on canvases. Plain
// JavaScript, no build step, nothing fetched from elsewhere: the page works offline, served
// from the binary (docs/operations.md, "The monitor page").
"use strict";
(() => {
  const $ = (sel) => document.querySelector(sel);
  // The charts show the last five minutes, or since the first sample, at least one minute.
  const WINDOW_MS = 5 * 60 * 1000, MIN_WINDOW_MS = 60 * 1000;
  const COLORS = ["#2563eb", "#e8590c"];
  const state = { view: "list", roomId: null }; // which view the hash asks for

  // ---- formatting ----
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  function fmtSeconds(s) {
    if (!s) return "0";
    if (s < 1e-3) return (s * 1e6).toFixed(0) + " µs";
    if (s < 1) return (s * 1e3).toFixed(s < 0.01 ? 2 : 1) + " ms";
    return s.toFixed(2) + " s";
  }
  function fmtBytes(n) {
    if (n < 1024) return n.toFixed(0) + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MB";
    return (n / 1024 / 1024 / 1024).toFixed(2) + " GB";
  }
  function fmtAge(s) {
    if (s < 60) return s.toFixed(0) + " s";
    if (s < 3600) return Math.floor(s / 60) + " m " + Math.floor(s % 60) + " s";
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " m";
  }
  const fmtCount = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

  // ---- the API ----
  async function api(path, method) {
    const res = await fetch(path, { method: method || "GET", cache: "no-store", credentials: "same-origin" });
    const body = await res.text();
    if (!res.ok) throw new Error(`${method || "GET"} ${path}: ${res.status} ${body.trim()}`);
    return JSON.parse(body);
  }
  let errorShown = false;
  function showError(err) {
    const el = $("#error");
    el.textContent = err ? String(err.message || err) : "";
    el.hidden = !err;
    errorShown = !!err;
  }

  // ---- charts ----
  // draw plots series (arrays of {t, v}) over the last span ms on canvas, y from 0 to a
  // rounded maximum, with three labelled grid lines; fmt formats the y labels.
  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }
  function draw(canvas, series, fmt, span) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const left = 64, right = 8, top = 8, bottom = 20;
    const now = Date.now(), t0 = now - span;
    let max = 0, points = 0;
    for (const s of series) for (const p of s) if (p.t >= t0) { max = Math.max(max, p.v); points++; }
    max = niceMax(max);
    const x = (t) => left + ((t - t0) / span) * (w - left - right);
    const y = (v) => top + (1 - v / max) * (h - top - bottom);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#6b7280";
    ctx.strokeStyle = "#e5e7eb";
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const f of [0, 0.5, 1]) {
      const yy = Math.round(y(max * f)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, yy); ctx.lineTo(w - right, yy); ctx.stroke();
      ctx.fillText(fmt(max * f), left - 6, yy);
    }
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(span >= 90000 ? `−${Math.round(span / 60000)} min` : `−${Math.round(span / 1000)} s`, left, h - bottom + 4);
    ctx.textAlign = "right";
    ctx.fillText("now", w - right, h - bottom + 4);
    series.forEach((s, i) => {
      ctx.strokeStyle = COLORS[i % COLORS.length];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      for (const p of s) {
        if (p.t < t0) continue;
        if (started) ctx.lineTo(x(p.t), y(p.v)); else { ctx.moveTo(x(p.t), y(p.v)); started = true; }
      }
      ctx.stroke();
    });
    canvas.dataset.points = String(points); // for tests and the curious
  }
  function drawCharts(history) {
    const pts = (f) => history.map((s) => ({ t: s.t, v: f(s) }));
    const count = (v) => fmtCount(v).replace(/\.0+$/, "");
    const since = history.length ? Date.now() - history[0].t : 0;
    const span = Math.min(WINDOW_MS, Math.max(MIN_WINDOW_MS, since));
    draw($("#chart-players"), [pts((s) => s.connected), pts((s) => s.grace)], count, span);
    draw($("#chart-rooms"), [pts((s) => s.rooms)], count, span);
    draw($("#chart-tick"), [pts((s) => s.tickP50), pts((s) => s.tickP99)], fmtSeconds, span);
    draw($("#chart-bytes"), [pts((s) => s.bytesOut)], (v) => fmtBytes(v) + "/s", span);
  }

  // ---- the overview: badges, totals, charts ----
  let lastOverview = null;
  async function refreshOverview() {
    const ov = await api("api/overview");
    lastOverview = ov;
    const badge = (el, ok, yes, no, why) => {
      el.textContent = ok ? yes : no;
      el.className = "badge " + (ok ? "ok" : "bad");
      el.title = why || "";
    };
    badge($("#live"), ov.live, "live", "not live", ov.notLive);
    badge($("#ready"), ov.ready, "ready", "not ready", (ov.notReady || []).join("; "));
    const dr = $("#draining");
    dr.hidden = !ov.draining;
    if (ov.draining) dr.textContent = "draining, deadline " + new Date(ov.drainsAt).toLocaleTimeString();
    $("#drain").disabled = ov.draining;
    $("#totals").textContent = `${ov.rooms} rooms · ${ov.connected} players connected · ${ov.grace} in grace · ` +
      `${ov.connections} connections · modes: ${(ov.modes || []).join(", ")}`;
    drawCharts(ov.history || []);
  }

  // ---- the room list ----
  async function refreshRooms() {
    const { rooms } = await api("api/rooms");
    $("#room-count").textContent = `(${rooms.length})`;
    $("#no-rooms").hidden = rooms.length > 0;
    $("#rooms tbody").innerHTML = rooms.map((r) => `
      <tr data-room-id="${esc(r.id)}" class="${r.stalled ? "stalled" : ""}">
        <td><a href="#room/${encodeURIComponent(r.id)}">${esc(r.name || r.id)}</a><span class="code">${esc(r.code)}</span></td>
        <td>${esc(r.mode)}</td>
        <td class="phase-${esc(r.phase)}">${esc(r.phase)}${r.stalled ? " (stalled)" : ""}</td>
        <td class="num" title="connected / seated / max">${r.connected}/${r.players}/${r.maxPlayers}</td>
        <td class="num">${fmtAge(r.ageSeconds)}</td>
        <td class="num">${fmtSeconds(r.tickP50)}</td>
        <td class="num">${fmtSeconds(r.tickP99)}</td>
        <td class="num">${fmtBytes(r.bytesPerSecondPerPlayer)}/s</td>
        <td class="num">${r.stats.overruns}</td>
        <td><button class="danger close" data-room-id="${esc(r.id)}" data-room-name="${esc(r.name || r.id)}">Close</button></td>
      </tr>`).join("");
  }

  async function closeRoom(id, name) {
    if (!confirm(`Close room ${name}? Its players get room:closed {reason: "shutdown"}.`)) return;
    try {
      await api(`api/rooms/${encodeURIComponent(id)}/close`, "POST");
      showError(null);
    } catch (err) { showError(err); }
    if (state.view === "detail") location.hash = "#";
    else refreshRooms().catch(showError);
  }
  $("#rooms").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.close");
    if (b) closeRoom(b.dataset.roomId, b.dataset.roomName);
  });
  $("#detail-close").addEventListener("click", () => closeRoom(state.roomId, $("#detail-title").textContent));
  $("#drain").addEventListener("click", async () => {
    if (!confirm("Drain this server? It stops taking new rooms; rooms still running at the deadline are closed.")) return;
    try {
      await api("api/drain", "POST");
      showError(null);
    } catch (err) { showError(err); }
    tick();
  });

  // ---- a room's detail ----
  let prev = null; // {at, players: Map(id -> player)} of the last detail poll, for rates
  async function refreshDetail() {
    const id = state.roomId;
    const d = await api(`api/rooms/${encodeURIComponent(id)}`);
    if (state.roomId !== id) return;
    const r = d.room;
    $("#detail-title").textContent = r.name || r.id;
    const info = {
      id: r.id, code: r.code, mode: r.mode, phase: r.phase + (r.stalled ? " (stalled)" : ""),
      players: `${r.connected} connected, ${r.players} seated, ${r.maxPlayers} max`,
      age: fmtAge(r.ageSeconds), "tick p50 / p99": `${fmtSeconds(r.tickP50)} / ${fmtSeconds(r.tickP99)}`,
      ticks: r.stats.ticks, overruns: r.stats.overruns, "snapshots sent": r.stats.snapshotsWritten,
      "bytes/s per player": fmtBytes(r.bytesPerSecondPerPlayer) + "/s",
      private: r.private ? "yes" : "no", meta: JSON.stringify(r.meta || {}),
    };
    $("#detail-info").innerHTML = Object.entries(info).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("");
    const now = performance.now();
    const rate = (p, key) => {
      const q = prev && prev.players.get(p.id);
      if (!q) return "…";
      const dt = (now - prev.at) / 1000;
      return dt > 0 ? fmtCount((p[key] - q[key]) / dt) : "…";
    };
    const byteRate = (p) => {
      const q = prev && prev.players.get(p.id);
      if (!q) return "…";
      const dt = (now - prev.at) / 1000;
      return dt > 0 ? fmtBytes((p.bytes - q.bytes) / dt) + "/s" : "…";
    };
    $("#players tbody").innerHTML = d.players.map((p) => `
      <tr data-player-id="${p.id}">
        <td>${esc(p.name)} <span class="code">#${p.id}</span></td>
        <td>${p.connected ? "connected" : "in grace"}</td>
        <td>${[p.host && "host", p.ready && "ready", p.bot && "bot"].filter(Boolean).join(", ")}</td>
        <td class="num">${rate(p, "inputs")}</td>
        <td class="num">${rate(p, "snapshots")}</td>
        <td class="num">${byteRate(p)}</td>
        <td class="num">${fmtBytes(p.bytes)}</td>
        <td class="num">${p.rttSeconds ? fmtSeconds(p.rttSeconds) : "–"}</td>
      </tr>`).join("");
    prev = { at: now, players: new Map(d.players.map((p) => [p.id, p])) };
  }

  // ---- views and the refresh loop ----
  function route() {
    const m = location.hash.match(/^#room\/(.+)$/);
    state.view = m ? "detail" : "list";
    state.roomId = m ? decodeURIComponent(m[1]) : null;
    prev = null;
    $("#list-view").hidden = state.view !== "list";
    $("#detail-view").hidden = state.view !== "detail";
    tick();
  }
  window.addEventListener("hashchange", route);

  let running = false, rounds = 0;
  async function tick() {
    if (running) return;
    running = true;
    try {
      await refreshOverview();
      if (state.view === "list" && rounds % 2 === 0) await refreshRooms();
      if (state.view === "detail") await refreshDetail();
      if (errorShown) showError(null);
    } catch (err) {
      showError(err);
    } finally {
      running = false;
      rounds++;
    }
  }
  window.addEventListener("resize", () => lastOverview && drawCharts(lastOverview.history || []));
  route();
  setInterval(tick, 1000);
})();
