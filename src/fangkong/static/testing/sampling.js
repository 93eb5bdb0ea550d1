// The sampling page of a site's phone or PC (扫码采样), offline first.
//
// Every scan gets an id (crypto.randomUUID) and is written to IndexedDB before anything
// else; a sender uploads the waiting scans in order, in batches of up to 50, whenever
// there is a network (the online event, a retry timer with backoff), and marks each one
// confirmed (stored/duplicate) or rejected from the server's answer. A scan the server
// never answered is sent again with the same id: the server stores each id once.
// The device token comes from the URL fragment (never sent to the server in a URL) and
// is kept in localStorage with the device's settings, so that the page works offline
// after its first load (its service worker keeps the page itself).
"use strict";

const STRINGS = JSON.parse(document.getElementById("sampling-strings").textContent);
const CONFIG = JSON.parse(document.getElementById("sampling-config").textContent);
const KEY_TOKEN = "fk.sampling.token";
const KEY_CONFIG = "fk.sampling.config";
const KEY_CAMPAIGN = "fk.sampling.campaign";
const KEY_BOX = "fk.sampling.box";
const DB_NAME = "fk-sampling";
const STORE = "scans";
const BATCH = Math.min(CONFIG.batch || 50, 50);
const KEEP_CONFIRMED_MS = 3 * 24 * 3600 * 1000;
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60000;

const $ = (id) => document.getElementById(id);

function t(key, values = {}) {
  let text = STRINGS[key] || key;
  for (const [name, value] of Object.entries(values)) {
    text = text.replaceAll(`%(${name})s`, String(value));
  }
  return text;
}

// --- Identity numbers (GB 11643), as on the server --------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

export function idCheckDigit(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11];
}

export function idValid(raw) {
  const text = String(raw).replace(/\s+/g, "").toUpperCase();
  if (/^\d{15}$/.test(text)) return true; // the old numbers: the server upgrades them
  if (!/^\d{17}[\dX]$/.test(text)) return false;
  const year = Number(text.slice(6, 10));
  const month = Number(text.slice(10, 12));
  const day = Number(text.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  if (birth.getUTCFullYear() !== year || birth.getUTCMonth() !== month - 1 || birth.getUTCDate() !== day) {
    return false;
  }
  if (year < 1880 || birth.getTime() > Date.now()) return false;
  return idCheckDigit(text) === text[17];
}

// What a scanned text is: a person's code, a barcode, or nothing readable.
export function classify(raw) {
  const text = String(raw).trim().replace(/\s+/g, "").toUpperCase();
  if (!text) return { kind: "empty", value: "" };
  if (text.startsWith("FKC")) return { kind: "person", value: text, card: true };
  if (/^\d{17}[\dX]$/.test(text) || /^\d{15}$/.test(text)) return { kind: "person", value: text, card: false };
  if (/^[A-Z0-9-]{4,40}$/.test(text)) return { kind: "barcode", value: text };
  return { kind: "bad", value: text };
}

function newId() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // Plain HTTP on a LAN has no randomUUID: a v4 UUID from getRandomValues.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --- IndexedDB ---------------------------------------------------------------------------

let db = null;

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: "n", autoIncrement: true });
      store.createIndex("id", "id", { unique: true });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function tx(mode, work) {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const store = transaction.objectStore(STORE);
    let result;
    Promise.resolve(work(store)).then((value) => { result = value; });
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function loadAll() {
  return tx("readonly", (store) => req(store.getAll()));
}

async function putAll(records) {
  return tx("readwrite", (store) => {
    for (const record of records) store.put(record);
  });
}

async function addScan(record) {
  const n = await tx("readwrite", (store) => req(store.add(record)));
  record.n = n;
  scans.push(record);
  return record;
}

async function prune() {
  const cutoff = Date.now() - KEEP_CONFIRMED_MS;
  const old = scans.filter((s) => (s.state === "confirmed" || s.state === "rejected") && Date.parse(s.at) < cutoff);
  if (!old.length) return;
  await tx("readwrite", (store) => { for (const s of old) store.delete(s.n); });
  const gone = new Set(old.map((s) => s.n));
  scans = scans.filter((s) => !gone.has(s.n));
}

// --- State ------------------------------------------------------------------------------

let scans = []; // every record, in the order scanned (n)
let config = null;
let token = null;
let mode = "sample";
let sending = false;
let retryTimer = null;
let retryDelay = RETRY_MIN_MS;

function campaignId() {
  const id = Number(localStorage.getItem(KEY_CAMPAIGN) || 0);
  return config && config.campaigns.some((c) => c.id === id) ? id : 0;
}

function campaignOf(id) {
  return config ? config.campaigns.find((c) => c.id === id) : null;
}

// The tubes of the campaign as this device knows them (scans not refused).
function tubes() {
  const cid = campaignId();
  const known = new Map();
  let current = null;
  for (const s of scans) {
    if (s.campaign !== cid || s.state === "rejected") continue;
    if (s.kind === "open") {
      const campaign = campaignOf(cid);
      known.set(s.tube, { barcode: s.tube, size: s.single ? 1 : (campaign ? campaign.pool_size : 1), members: new Set(), closed: false });
      current = s.tube;
    } else if (s.kind === "sample" && known.has(s.tube)) {
      known.get(s.tube).members.add(s.code);
    } else if ((s.kind === "close" || s.kind === "pack") && known.has(s.tube)) {
      known.get(s.tube).closed = true;
      if (current === s.tube) current = null;
    }
  }
  const open = current && known.has(current) && !known.get(current).closed ? known.get(current) : null;
  return { known, open };
}

function sampledHere(code) {
  const cid = campaignId();
  return scans.some((s) => s.campaign === cid && s.kind === "sample" && s.code === code && s.state !== "rejected");
}

function boxTubes(box) {
  const cid = campaignId();
  return new Set(scans.filter((s) => s.campaign === cid && s.kind === "pack" && s.box === box && s.state !== "rejected").map((s) => s.tube)).size;
}

// --- Rendering --------------------------------------------------------------------------

function feedback(text, kind = "ok") {
  const box = $("feedback");
  box.textContent = text;
  box.dataset.kind = kind;
}

function notice(text) {
  const box = $("notice");
  box.textContent = text || "";
  box.hidden = !text;
}

function renderCounts() {
  const counts = { waiting: 0, sent: 0, confirmed: 0, rejected: 0 };
  for (const s of scans) counts[s.state] = (counts[s.state] || 0) + 1;
  for (const [name, value] of Object.entries(counts)) {
    const cell = document.querySelector(`#counts [data-count="${name}"]`);
    if (cell) cell.textContent = String(value);
  }
}

function renderNet() {
  const net = $("net");
  const online = navigator.onLine;
  net.dataset.online = online ? "1" : "0";
  net.textContent = online ? t("online") : t("offline").split(/[:：]/)[0];
  net.title = online ? t("online") : t("offline");
}

function renderTube() {
  const { open } = tubes();
  const panel = $("tube-panel");
  $("tube-code").textContent = open ? open.barcode : "—";
  $("tube-count").textContent = String(open ? open.members.size : 0);
  const campaign = campaignOf(campaignId());
  const single = $("single").checked;
  $("tube-size").textContent = String(open ? open.size : (single ? 1 : (campaign ? campaign.pool_size : 0)));
  panel.dataset.state = open ? (open.members.size >= open.size ? "full" : "open") : "none";
  $("close-tube").disabled = !open;
}

function renderBox() {
  const box = localStorage.getItem(KEY_BOX) || "";
  $("box-code").textContent = box || "—";
  $("box-count").textContent = String(box ? boxTubes(box) : 0);
  $("handover").disabled = !box;
}

function renderPrompt() {
  const box = localStorage.getItem(KEY_BOX) || "";
  let text = "";
  if (mode === "sample") text = tubes().open ? t("scan_person") : t("scan_tube");
  else if (mode === "pack") text = box ? t("scan_box_tube", { box }) : t("scan_box");
  else text = t("scan_pickup");
  $("prompt").textContent = text;
  $("tube-panel").hidden = mode !== "sample";
  $("box-panel").hidden = mode !== "pack";
  for (const button of document.querySelectorAll("#modes [data-mode]")) {
    button.classList.toggle("active", button.dataset.mode === mode);
  }
}

function renderRejected() {
  const list = $("rejected");
  list.replaceChildren();
  const cid = campaignId();
  const rejected = scans.filter((s) => s.state === "rejected" && s.campaign === cid).slice(-30).reverse();
  for (const s of rejected) {
    const item = document.createElement("li");
    item.dataset.scan = s.id;
    item.dataset.code = s.result_code || "";
    if (s.resolved) item.dataset.resolved = "1";
    const what = s.kind === "sample" ? `${mask(s.code)} → ${s.tube}` : (s.tube || s.box || "");
    item.textContent = `${new Date(s.at).toLocaleTimeString()} ${what}：${s.message || s.result_code}`;
    if (s.kind === "sample" && s.result_code === "already_sampled" && !s.resolved) {
      const again = document.createElement("button");
      again.type = "button";
      again.className = "btn btn-sm btn-outline-danger ms-2 py-0";
      again.dataset.again = s.id;
      again.textContent = t("sample_again");
      item.append(again);
    }
    list.append(item);
  }
}

function mask(code) {
  if (!code) return "";
  if (code.startsWith("FKC")) return `${code.slice(0, 6)}…`;
  return `${code.slice(0, 4)}**********${code.slice(-4)}`;
}

function renderCampaigns() {
  const select = $("campaign");
  select.replaceChildren();
  const campaigns = config ? config.campaigns : [];
  if (!campaigns.length) {
    const option = new Option(t("no_campaign"), "");
    select.append(option);
    select.disabled = true;
    return;
  }
  select.disabled = false;
  if (campaigns.length > 1 || !campaignId()) select.append(new Option(t("choose_campaign"), ""));
  for (const c of campaigns) select.append(new Option(c.name, String(c.id)));
  if (!campaignId() && campaigns.length === 1) localStorage.setItem(KEY_CAMPAIGN, String(campaigns[0].id));
  select.value = campaignId() ? String(campaignId()) : "";
}

function render() {
  const active = Boolean(token && config);
  $("activate").hidden = Boolean(token);
  $("work").hidden = !active;
  $("forget").hidden = !token;
  if (config) {
    $("site-name").textContent = config.site.name;
    $("device-name").textContent = config.device.name;
  }
  renderNet();
  renderCounts();
  if (active) {
    renderTube();
    renderBox();
    renderPrompt();
    renderRejected();
  }
}

// --- Scanning ---------------------------------------------------------------------------

function record(kind, fields) {
  return {
    id: newId(),
    campaign: campaignId(),
    kind,
    at: new Date().toISOString(),
    tube: "",
    code: "",
    box: "",
    single: false,
    repeat_reason: "",
    transporter: "",
    state: "waiting",
    ...fields,
  };
}

// A scan refused on the spot: kept (and counted) as rejected, never sent.
async function refuse(kind, fields, code, message) {
  await addScan(record(kind, { ...fields, state: "rejected", local: true, result_code: code, message }));
  feedback(message, "error");
  render();
}

async function keep(kind, fields) {
  const saved = await addScan(record(kind, fields));
  schedule(300);
  return saved;
}

// A scanner types faster than IndexedDB writes: one scan at a time, in the order typed.
let queue = Promise.resolve();
function enqueue(work) {
  queue = queue.then(work).catch((error) => feedback(String(error), "error"));
  return queue;
}

async function handle(raw) {
  const code = classify(raw);
  if (code.kind === "empty") return;
  const cid = campaignId();
  if (!cid) {
    feedback(config && config.campaigns.length ? t("choose_campaign") : t("no_campaign"), "error");
    return;
  }
  if (mode === "sample") await handleSample(code);
  else if (mode === "pack") await handlePack(code);
  else await handlePickup(code);
  render();
}

async function handleSample(code) {
  const { known, open } = tubes();
  if (code.kind === "bad") {
    await refuse("sample", { tube: open ? open.barcode : "", code: code.value }, "bad_barcode", t("not_a_barcode"));
    return;
  }
  if (!open) {
    if (code.kind === "person") {
      await refuse("sample", { code: code.value }, "tube_not_open", t("no_tube"));
      return;
    }
    if (known.has(code.value)) {
      await refuse("open", { tube: code.value }, "tube_used", t("tube_used"));
      return;
    }
    const single = $("single").checked;
    await keep("open", { tube: code.value, single });
    $("single").checked = false;
    const campaign = campaignOf(campaignId());
    feedback(t("tube_open", { tube: code.value, size: single ? 1 : campaign.pool_size }), "ok");
    return;
  }
  if (code.kind === "barcode") {
    if (code.value === open.barcode) {
      await closeTube(open);
    } else {
      await refuse("open", { tube: code.value }, "close_first", t("close_first"));
    }
    return;
  }
  await samplePerson(open, code.value, "");
}

async function samplePerson(tube, value, reason) {
  if (!value.startsWith("FKC") && !idValid(value)) {
    await refuse("sample", { tube: tube.barcode, code: value }, "bad_id_number", t("bad_id_number"));
    return;
  }
  if (tube.members.has(value)) {
    await refuse("sample", { tube: tube.barcode, code: value }, "already_in_tube", t("already_in_tube"));
    return;
  }
  if (!reason && sampledHere(value)) {
    await refuse("sample", { tube: tube.barcode, code: value }, "already_sampled", t("already_here"));
    return;
  }
  if (tube.members.size >= tube.size) {
    await refuse("sample", { tube: tube.barcode, code: value }, "tube_full", t("tube_full"));
    return;
  }
  await keep("sample", { tube: tube.barcode, code: value, repeat_reason: reason });
  const n = tube.members.size + 1;
  feedback(t("sampled", { n, size: tube.size, tube: tube.barcode }), "ok");
  if (n >= tube.size) {
    await keep("close", { tube: tube.barcode });
    feedback(t("tube_full_closed", { tube: tube.barcode }), "ok");
  }
}

async function closeTube(tube) {
  await keep("close", { tube: tube.barcode });
  feedback(t("tube_closed", { tube: tube.barcode, n: tube.members.size }), "ok");
}

async function handlePack(code) {
  if (code.kind !== "barcode") {
    feedback(code.kind === "person" ? t("not_a_barcode") : t("not_a_barcode"), "error");
    return;
  }
  const box = localStorage.getItem(KEY_BOX) || "";
  if (!box || code.value === box) {
    localStorage.setItem(KEY_BOX, code.value);
    feedback(t("box_chosen", { box: code.value }), "ok");
    return;
  }
  await keep("pack", { tube: code.value, box });
  feedback(t("packed", { tube: code.value, box }), "ok");
}

async function handover() {
  const box = localStorage.getItem(KEY_BOX) || "";
  const name = $("transporter").value.trim();
  if (!box) return;
  if (!name) {
    feedback(t("transporter_needed"), "error");
    $("transporter").focus();
    return;
  }
  await keep("handover", { box, transporter: name });
  localStorage.removeItem(KEY_BOX);
  $("transporter").value = "";
  feedback(t("handed", { box, name }), "ok");
  render();
}

async function handlePickup(code) {
  if (code.kind !== "barcode") {
    feedback(t("not_a_barcode"), "error");
    return;
  }
  await keep("pickup", { box: code.value });
  feedback(t("picked", { box: code.value }), "ok");
}

async function sampleAgain(id) {
  const old = scans.find((s) => s.id === id);
  if (!old) return;
  const reason = (window.prompt(t("reason_prompt")) || "").trim();
  if (!reason) return;
  const { known, open } = tubes();
  const tube = open || known.get(old.tube);
  if (!tube || tube.closed) {
    feedback(t("no_tube"), "error");
    return;
  }
  old.resolved = true;
  await putAll([old]);
  await samplePerson(tube, old.code, reason.slice(0, 200));
  render();
}

// --- Sending ----------------------------------------------------------------------------

function schedule(ms) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, ms);
}

function payload(scan) {
  const out = { id: scan.id, kind: scan.kind, at: scan.at };
  for (const key of ["tube", "code", "box", "repeat_reason", "transporter"]) {
    if (scan[key]) out[key] = scan[key];
  }
  if (scan.single) out.single = true;
  return out;
}

async function flush() {
  if (sending || !token) return;
  const waiting = scans.filter((s) => s.state === "waiting");
  if (!waiting.length) return;
  if (!navigator.onLine) return; // the online event starts it again
  const cid = waiting[0].campaign;
  const batch = [];
  for (const s of waiting) {
    if (s.campaign !== cid) break;
    batch.push(s);
    if (batch.length >= BATCH) break;
  }
  sending = true;
  for (const s of batch) s.state = "sent";
  await putAll(batch);
  renderCounts();
  let again = false;
  try {
    const response = await fetch(CONFIG.api_scans, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ campaign: cid, scans: batch.map(payload) }),
      credentials: "omit",
      cache: "no-store",
    });
    if (response.status === 200) {
      const answer = await response.json();
      const byId = new Map(answer.results.map((r) => [r.id, r]));
      for (const s of batch) {
        const r = byId.get(s.id);
        if (!r) { s.state = "waiting"; continue; }
        s.state = r.status === "rejected" ? "rejected" : "confirmed";
        s.outcome = r.outcome;
        s.result_code = r.code;
        s.message = r.message;
      }
      retryDelay = RETRY_MIN_MS;
      again = true;
      const refused = batch.filter((s) => s.state === "rejected");
      if (refused.length) feedback(`${mask(refused[0].code) || refused[0].tube || refused[0].box}：${refused[0].message}`, "error");
    } else if (response.status === 401) {
      for (const s of batch) s.state = "waiting";
      notice(t("revoked"));
      retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
    } else if (response.status === 404 || response.status === 422) {
      // The campaign is not this site's (or the batch is malformed): these scans can
      // never be stored; say so rather than retrying for ever.
      for (const s of batch) {
        s.state = "rejected";
        s.result_code = response.status === 404 ? "campaign_not_open" : "bad_request";
        s.message = t("no_campaign");
      }
      again = true;
    } else {
      throw new Error(`HTTP ${response.status}`);
    }
  } catch (error) {
    for (const s of batch) if (s.state === "sent") s.state = "waiting";
    notice(navigator.onLine ? t("server_error") : "");
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  } finally {
    await putAll(batch);
    sending = false;
    render();
  }
  if (scans.some((s) => s.state === "waiting")) {
    if (again) {
      notice("");
      schedule(0);
    } else if (navigator.onLine && token) {
      schedule(retryDelay);
    }
  }
}

// --- The device and its settings --------------------------------------------------------

async function loadConfig() {
  const saved = localStorage.getItem(KEY_CONFIG);
  config = saved ? JSON.parse(saved) : null;
  if (!token) return;
  try {
    const response = await fetch(CONFIG.api_device, {
      headers: { Authorization: `Bearer ${token}` },
      credentials: "omit",
      cache: "no-store",
    });
    if (response.status === 200) {
      config = await response.json();
      localStorage.setItem(KEY_CONFIG, JSON.stringify(config));
      notice("");
    } else if (response.status === 401) {
      notice(t("revoked"));
    } else {
      notice(config ? t("offline_config") : t("server_error"));
    }
  } catch (error) {
    notice(config ? t("offline_config") : t("offline"));
  }
}

function takeTokenFromFragment() {
  const fragment = decodeURIComponent(window.location.hash.slice(1));
  if (fragment.startsWith("fkt_")) {
    const previous = localStorage.getItem(KEY_TOKEN);
    if (previous !== fragment) localStorage.removeItem(KEY_CONFIG);
    localStorage.setItem(KEY_TOKEN, fragment);
  }
  if (window.location.hash) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  token = localStorage.getItem(KEY_TOKEN);
}

async function forget() {
  if (!window.confirm(t("forget_confirm"))) return;
  localStorage.removeItem(KEY_TOKEN);
  localStorage.removeItem(KEY_CONFIG);
  localStorage.removeItem(KEY_CAMPAIGN);
  localStorage.removeItem(KEY_BOX);
  token = null;
  config = null;
  notice(t("forgotten"));
  render();
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const mark = () => {
    if (navigator.serviceWorker.controller) document.body.dataset.offlineReady = "1";
  };
  navigator.serviceWorker.addEventListener("controllerchange", mark);
  navigator.serviceWorker.register(CONFIG.sw, { scope: CONFIG.scope }).then(mark, () => {});
  mark();
}

// --- The camera (where the browser reads QR codes itself) -------------------------------

async function camera() {
  const video = $("camera-view");
  if (!video.hidden) {
    video.hidden = true;
    if (video.srcObject) for (const track of video.srcObject.getTracks()) track.stop();
    return;
  }
  const detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128", "code_39", "ean_13"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  let last = "";
  const tick = async () => {
    if (video.hidden) return;
    try {
      const found = await detector.detect(video);
      if (found.length && found[0].rawValue !== last) {
        last = found[0].rawValue;
        await enqueue(() => handle(last));
        setTimeout(() => { last = ""; }, 2000);
      }
    } catch (error) { /* a frame that cannot be read */ }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

// --- Start ------------------------------------------------------------------------------

async function start() {
  takeTokenFromFragment();
  db = await openDb();
  scans = (await loadAll()).sort((a, b) => a.n - b.n);
  // A batch in flight when the page closed was never answered: send it again.
  const interrupted = scans.filter((s) => s.state === "sent");
  for (const s of interrupted) s.state = "waiting";
  if (interrupted.length) await putAll(interrupted);
  await prune();
  render();
  await loadConfig();
  renderCampaigns();
  render();
  registerWorker();

  $("scan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("scan-input");
    const value = input.value;
    input.value = "";
    input.focus();
    enqueue(() => handle(value));
  });
  $("campaign").addEventListener("change", (event) => {
    localStorage.setItem(KEY_CAMPAIGN, event.target.value);
    render();
    $("scan-input").focus();
  });
  $("modes").addEventListener("click", (event) => {
    const button = event.target.closest("[data-mode]");
    if (!button) return;
    mode = button.dataset.mode;
    render();
    $("scan-input").focus();
  });
  $("single").addEventListener("change", () => {
    if ($("single").checked) feedback(t("single_on"), "warn");
    renderTube();
    $("scan-input").focus();
  });
  $("close-tube").addEventListener("click", () => {
    enqueue(async () => {
      const { open } = tubes();
      if (open) await closeTube(open);
      render();
    });
    $("scan-input").focus();
  });
  $("handover").addEventListener("click", () => enqueue(handover));
  $("rejected").addEventListener("click", (event) => {
    const button = event.target.closest("[data-again]");
    if (button) enqueue(() => sampleAgain(button.dataset.again));
  });
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (!value.startsWith("fkt_")) return;
    localStorage.setItem(KEY_TOKEN, value);
    localStorage.removeItem(KEY_CONFIG);
    token = value;
    $("token-input").value = "";
    await loadConfig();
    renderCampaigns();
    render();
    schedule(0);
  });
  $("forget").addEventListener("click", forget);
  $("send-now").addEventListener("click", () => { retryDelay = RETRY_MIN_MS; schedule(0); });
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    $("camera").hidden = false;
    $("camera").addEventListener("click", () => camera().catch(() => {}));
  }
  window.addEventListener("online", () => {
    renderNet();
    notice("");
    retryDelay = RETRY_MIN_MS;
    if (token && !config) loadConfig().then(() => { renderCampaigns(); render(); });
    schedule(0);
  });
  window.addEventListener("offline", () => { renderNet(); });
  // A slow heartbeat: whatever waits is tried again even without an online event.
  setInterval(() => { if (!sending && scans.some((s) => s.state === "waiting")) flush(); }, 15000);
  if (token) $("scan-input").focus();
  document.body.dataset.ready = "1";
  schedule(0);
}

start();
