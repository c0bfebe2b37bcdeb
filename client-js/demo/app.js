// The arena demo: lobby (room list, create, join by code, quickjoin), the arena on a canvas
// with keyboard and touch steering, players, chat, scores, results and a network panel.
// Plain ES modules on top of @tickroom/client (client-js/src, served under ./client by
// cmd/gameserver: see client-js/demo.go).

import { connect, TickroomError } from "./client/index.js";

const $ = (id) => document.getElementById(id);
const KIND_PLAYER = "player";
const KIND_ORB = "orb";
const WORLD = 1000; // coordinates run from -1000 to +1000
const PHASES = ["waiting", "playing", "ended"];

const state = { client: null, name: "", room: null, watch: null, unsubs: [] };

// ---- connection and lobby ----

function defaultName() {
  const saved = localStorage.getItem("tickroom.name");
  return saved || "player-" + Math.floor(1000 + Math.random() * 9000);
}

function setStatus(text) { $("status").textContent = text; }

async function ensureClient() {
  const name = $("name").value.trim() || defaultName();
  localStorage.setItem("tickroom.name", name);
  if (state.client && state.client.connected && state.name === name) return state.client;
  if (state.client) state.client.close();
  setStatus("connecting...");
  state.client = await connect(location.origin, { name });
  state.name = name;
  state.client.on("disconnect", () => setStatus("disconnected, retrying..."));
  state.client.socket.on("connect", () => setStatus("connected as " + state.name));
  setStatus("connected as " + name);
  watchRooms();
  return state.client;
}

async function watchRooms() {
  try {
    const w = await state.client.watch({ mode: "arena" });
    if (state.watch) state.watch.unwatch().catch(() => {});
    state.watch = w;
    renderRooms(w.rooms);
    w.on("update", (rooms) => renderRooms(rooms));
  } catch (e) {
    $("lobby-error").textContent = "room list: " + e.message;
  }
}

function renderRooms(rooms) {
  const body = $("rooms").querySelector("tbody");
  body.textContent = "";
  const list = [...rooms.values()];
  $("rooms-empty").hidden = list.length > 0;
  for (const r of list) {
    const tr = document.createElement("tr");
    for (const v of [r.name || r.id, r.code, `${r.players}/${r.maxPlayers}`, r.phase]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    const td = document.createElement("td");
    const b = document.createElement("button");
    b.textContent = r.hasPassword ? "Join (password)" : "Join";
    b.onclick = () => seat((c) => c.joinById(r.id, r.hasPassword ? prompt("password") ?? "" : undefined));
    td.append(b);
    tr.append(td);
    body.append(tr);
  }
}

async function seat(how) {
  $("lobby-error").textContent = "";
  try {
    const client = await ensureClient();
    enterRoom(await how(client));
  } catch (e) {
    $("lobby-error").textContent = e instanceof TickroomError ? `${e.code}: ${e.message}` : String(e.message || e);
  }
}

$("quickjoin").onclick = () => seat((c) => c.quickjoin("arena"));
$("create").onclick = () => seat((c) => c.create({ mode: "arena", name: $("room-name").value.trim() || undefined, private: $("room-private").checked }));
$("join").onclick = () => seat((c) => c.joinByCode($("join-code").value.trim().toUpperCase()));
$("join-code").addEventListener("keydown", (e) => { if (e.key === "Enter") $("join").click(); });

// ---- the room ----

function enterRoom(room) {
  state.room = room;
  $("lobby").hidden = true;
  $("game").hidden = false;
  $("results").hidden = true;
  $("chat-log").textContent = "";
  const on = (ev, fn) => state.unsubs.push(room.on(ev, fn));
  on("player", renderRoomInfo);
  on("info", renderRoomInfo);
  on("chat", (m) => addChat(`${m.name}: ${m.text}`));
  state.unsubs.push(room.onMessage("results", (ev) => showResults(ev.ranking || [])));
  on("reconnecting", () => banner("reconnecting..."));
  on("reconnected", () => banner(""));
  on("seatlost", () => banner("seat lost"));
  on("closed", (reason) => { if (reason !== "left") addChat(`* room closed (${reason})`); });
  renderRoomInfo();
  addChat(`* joined ${room.info.name || room.id}, code ${room.code}`);
  if (document.activeElement) document.activeElement.blur();
  $("arena").focus();
}

function leaveRoom() {
  const room = state.room;
  state.room = null;
  for (const u of state.unsubs.splice(0)) u();
  if (room && !room.closed) room.leave().catch(() => {});
  keys.clear();
  $("game").hidden = true;
  $("lobby").hidden = false;
}

function renderRoomInfo() {
  const room = state.room;
  if (!room) return;
  $("room-title").textContent = room.info.name || room.id;
  $("room-code").textContent = room.code;
  $("room-phase").textContent = room.info.phase;
  const me = room.players.get(room.playerId);
  $("start").hidden = !(me && me.host) || room.info.phase !== "waiting";
  $("ready").hidden = room.info.phase !== "waiting";
  $("ready").textContent = me && me.ready ? "Not ready" : "Ready";
  const ul = $("players");
  ul.textContent = "";
  for (const p of room.players.values()) {
    const li = document.createElement("li");
    li.textContent = p.name + (p.host ? " (host)" : "") + (p.ready ? " ✓" : "") + (p.connected ? "" : " (away)") + (p.bot ? " [bot]" : "");
    if (p.id === room.playerId) li.className = "me";
    ul.append(li);
  }
}

function addChat(text) {
  const log = $("chat-log");
  const div = document.createElement("div");
  div.textContent = text;
  log.append(div);
  log.scrollTop = log.scrollHeight;
}

function banner(text) { $("banner").textContent = text; $("banner").hidden = !text; }

function showResults(ranking) {
  const ol = $("results").querySelector("ol");
  ol.textContent = "";
  for (const r of ranking) {
    const li = document.createElement("li");
    li.textContent = `${r.name}: ${r.score}`;
    ol.append(li);
  }
  $("results").hidden = false;
}

const act = (fn) => () => { if (state.room) fn(state.room).catch((e) => addChat(`* ${e.code || "error"}: ${e.message}`)); };
$("ready").onclick = act((r) => { const me = r.players.get(r.playerId); return r.ready(!(me && me.ready)); });
$("start").onclick = act((r) => r.start());
$("leave").onclick = leaveRoom;
$("results-close").onclick = leaveRoom;
$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("chat-text").value.trim();
  $("chat-text").value = "";
  if (text) act((r) => r.chat(text))();
});

// ---- input: keyboard and touch ----

const keys = new Set();
const KEYMAP = { KeyW: "up", ArrowUp: "up", KeyS: "down", ArrowDown: "down", KeyA: "left", ArrowLeft: "left", KeyD: "right", ArrowRight: "right", Space: "boost" };
let touchDir = null;
let boostPending = false;
let lastSent = "";

function typing(e) { return e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement; }

document.addEventListener("keydown", (e) => {
  const k = KEYMAP[e.code];
  if (!k || !state.room || typing(e)) return;
  e.preventDefault();
  if (k === "boost") { if (!e.repeat) boostPending = true; } else keys.add(k);
  sendDirection();
});
document.addEventListener("keyup", (e) => {
  const k = KEYMAP[e.code];
  if (!k || !state.room || typing(e)) return;
  e.preventDefault();
  keys.delete(k);
  sendDirection();
});
window.addEventListener("blur", () => { keys.clear(); sendDirection(); });

const canvas = $("arena");
function onTouch(e) {
  e.preventDefault();
  if (e.touches.length === 0) { touchDir = null; sendDirection(); return; }
  if (e.touches.length > 1) boostPending = true;
  const rect = canvas.getBoundingClientRect();
  const t = e.touches[0];
  const dx = t.clientX - (rect.left + rect.width / 2);
  const dy = t.clientY - (rect.top + rect.height / 2);
  const len = Math.hypot(dx, dy);
  touchDir = len < 10 ? { x: 0, y: 0 } : { x: dx / len, y: dy / len };
  sendDirection();
}
for (const ev of ["touchstart", "touchmove", "touchend", "touchcancel"]) canvas.addEventListener(ev, onTouch, { passive: false });

function direction() {
  if (touchDir) return touchDir;
  let x = (keys.has("right") ? 1 : 0) - (keys.has("left") ? 1 : 0);
  let y = (keys.has("down") ? 1 : 0) - (keys.has("up") ? 1 : 0);
  if (x && y) { x *= Math.SQRT1_2; y *= Math.SQRT1_2; }
  return { x, y };
}

// sendDirection sends an input when the direction changed or a boost is asked for; the server
// keeps a direction until the next input.
function sendDirection() {
  const room = state.room;
  if (!room) return;
  const d = direction();
  const key = `${d.x.toFixed(3)},${d.y.toFixed(3)}`;
  if (key === lastSent && !boostPending) return;
  const input = { x: d.x, y: d.y };
  if (boostPending) input.boost = true;
  if (room.sendInput(input) !== null) { lastSent = key; boostPending = false; }
}
// Resend after a reconnection (inputs are not queued while disconnected).
setInterval(() => { lastSent = lastSent && state.room && !state.room.client.connected ? "" : lastSent; sendDirection(); }, 250);

// ---- rendering ----

const ctx = canvas.getContext("2d");
let view = { x: 0, y: 0 };

function draw() {
  requestAnimationFrame(draw);
  const room = state.room;
  if (!room) return;
  const w = canvas.width, h = canvas.height;
  const pos = room.interpolated();
  const at = (e) => pos.get(e.id) || e.fields;
  const me = room.me;
  if (me) view = at(me);
  const scale = h / 1200; // show about 1200 units top to bottom
  const sx = (x) => w / 2 + (x - view.x) * scale;
  const sy = (y) => h / 2 + (y - view.y) * scale;
  ctx.fillStyle = "#0b0f16";
  ctx.fillRect(0, 0, w, h);
  // grid and world border
  ctx.strokeStyle = "#1a2333";
  ctx.lineWidth = 1;
  for (let g = -WORLD; g <= WORLD; g += 100) {
    ctx.beginPath(); ctx.moveTo(sx(g), sy(-WORLD)); ctx.lineTo(sx(g), sy(WORLD)); ctx.stroke();
    ctx.beginPath(); ctx.moveTo(sx(-WORLD), sy(g)); ctx.lineTo(sx(WORLD), sy(g)); ctx.stroke();
  }
  ctx.strokeStyle = "#c0504d";
  ctx.lineWidth = 3;
  ctx.strokeRect(sx(-WORLD), sy(-WORLD), 2 * WORLD * scale, 2 * WORLD * scale);
  for (const e of room.entities.values()) {
    if (e.kind !== KIND_ORB) continue;
    const p = at(e);
    ctx.fillStyle = ["#6cc070", "#58a6ff", "#d2a8ff"][(Number(e.fields.v) - 1) % 3] || "#6cc070";
    ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), 6 * scale, 0, 2 * Math.PI); ctx.fill();
  }
  ctx.textAlign = "center";
  ctx.font = "13px system-ui, sans-serif";
  for (const e of room.entities.values()) {
    if (e.kind !== KIND_PLAYER) continue;
    const p = at(e);
    const mine = e === me;
    const r = Math.max(4, e.fields.r * scale);
    ctx.fillStyle = mine ? "#f2b33d" : "#4f8fd6";
    ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), r, 0, 2 * Math.PI); ctx.fill();
    if (mine || e.fields.boost) {
      ctx.strokeStyle = e.fields.boost ? "#ff6b6b" : "#ffffff";
      ctx.lineWidth = 3;
      ctx.stroke();
    }
    ctx.fillStyle = "#ffffff";
    ctx.fillText(`${e.fields.name} (${e.fields.score})`, sx(p.x), sy(p.y) - r - 6);
  }
  const phase = PHASES[Number(room.globals.phase)] || "";
  ctx.textAlign = "left";
  ctx.fillStyle = "#8a94a6";
  let clock = "";
  if (phase === "playing" && room.globals.endTick) clock = ` · ${Math.max(0, Math.ceil((Number(room.globals.endTick) - room.tick) / 20))} s left`;
  ctx.fillText(`${phase}${clock} · tick ${room.tick}`, 10, 20);
}
requestAnimationFrame(draw);

// scores, and the network panel once a second
let prev = null;
async function everySecond() {
  const room = state.room;
  if (!room) { prev = null; return; }
  const scores = [...room.entities.values()].filter((e) => e.kind === KIND_PLAYER)
    .sort((a, b) => Number(b.fields.score) - Number(a.fields.score));
  const ol = $("scores");
  ol.textContent = "";
  for (const e of scores) {
    const li = document.createElement("li");
    li.textContent = `${e.fields.name}: ${e.fields.score}`;
    if (e === room.me) li.className = "me";
    ol.append(li);
  }
  const now = performance.now();
  const st = room.stats;
  if (prev && prev.room === room) {
    const dt = (now - prev.t) / 1000;
    $("net-rate").textContent = ((st.snapshots - prev.snapshots) / dt).toFixed(1);
    $("net-bytes").textContent = Math.round((st.bytes - prev.bytes) / dt).toString();
  }
  prev = { room, t: now, snapshots: st.snapshots, bytes: st.bytes };
  $("net-desyncs").textContent = String(st.desyncs);
  try {
    const t0 = performance.now();
    await room.client.timeSync(1);
    $("net-ping").textContent = `${Math.round(performance.now() - t0)} ms`;
  } catch { $("net-ping").textContent = "-"; }
}
setInterval(everySecond, 1000);

// ---- a debug hook for tests and the console ----

window.__tickroom = {
  get client() { return state.client; },
  get room() { return state.room; },
  /** positions returns the player circles in the mirror: [{pid, name, x, y, me}]. */
  positions() {
    const room = state.room;
    if (!room) return [];
    return [...room.entities.values()].filter((e) => e.kind === KIND_PLAYER).map((e) => ({
      pid: Number(e.fields.pid), name: e.fields.name, x: e.fields.x, y: e.fields.y, me: Number(e.fields.pid) === room.playerId,
    }));
  },
  stats() { return state.room ? { ...state.room.stats } : null; },
};

$("name").value = defaultName();
ensureClient().catch((e) => setStatus("cannot connect: " + e.message));
