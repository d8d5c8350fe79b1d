// The status page: sign-in, hash routing (#/, #/connections, #/exports/<name>[/runs/<id>]),
// rendering, and polling while something may change.

/**
 * @import { Api } from "./api.js"
 * @import { Me, Run } from "./api-types.ts"
 * @import { Notice } from "./export-view.js"
 * @import { PlanState } from "./plan-view.js"
 */

import { ApiError, createApi, forgetToken, storedToken, storeToken } from "./api.js";
import { isActive } from "./format.js";
import { connectionsView } from "./connections-view.js";
import { sourcesView } from "./sources-view.js";
import { h } from "./dom.js";
import { exportView } from "./export-view.js";
import { exportsView } from "./exports-view.js";
import { finishedView, liveRegion, progressView } from "./progress-view.js";

/** Poll every second while a run is active (progress), otherwise every 5 s (new runs). */
const ACTIVE_POLL_MS = 1000;
const IDLE_POLL_MS = 5000;

/** The control that takes the place of a focused one that a re-render removed. */
/** @type {Record<string, string>} */
const FOCUS_SUCCESSOR = { "run-now": "cancel-run", "cancel-run": "run-now" };

// index.html has every one of these ids, so the lookups are not null.
const elements = {
  signIn: /** @type {HTMLElement} */ (document.getElementById("sign-in")),
  form: /** @type {HTMLFormElement} */ (document.getElementById("sign-in-form")),
  token: /** @type {HTMLInputElement} */ (document.getElementById("token")),
  signInError: /** @type {HTMLElement} */ (document.getElementById("sign-in-error")),
  view: /** @type {HTMLElement} */ (document.getElementById("view")),
  nav: /** @type {HTMLElement} */ (document.getElementById("nav")),
  navConnections: /** @type {HTMLElement} */ (document.getElementById("nav-connections")),
  whoami: /** @type {HTMLElement} */ (document.getElementById("whoami")),
  whoamiText: /** @type {HTMLElement} */ (document.getElementById("whoami-text")),
  signOut: /** @type {HTMLElement} */ (document.getElementById("sign-out")),
  refreshed: /** @type {HTMLElement} */ (document.getElementById("refreshed")),
};

/**
 * A page of the status page, from the location hash.
 * @typedef {{ view: "exports" } | { view: "connections" } | { view: "export", name: string, runId: string | undefined }} Route
 */

/**
 * Everything the page remembers between renders.
 * @typedef {object} PageState
 * @property {Api | undefined} api the API bound to the signed-in token
 * @property {Me | undefined} me
 * @property {number | undefined} timer the next poll
 * @property {string | undefined} renderedRoute
 * @property {{ name: string, id: string } | undefined} watchedRun
 * @property {Notice | undefined} notice
 * @property {PlanState | undefined} plan
 * @property {HTMLElement} live
 * @property {number} generation counts renders, so a late answer loses to a newer render
 */

/** @type {PageState} */
const state = {
  api: undefined,
  me: undefined,
  timer: undefined,
  /** The route last rendered, to move focus only when the route changes. */
  renderedRoute: undefined,
  /** The run this tab saw active on the export page, to announce when it ends. */
  watchedRun: undefined,
  notice: undefined,
  /** The plan shown on the export page: `{ name, status: "loading" | "ready" | "error", … }`. */
  plan: undefined,
  live: liveRegion(),
  generation: 0,
};

/** @returns {Route} */
function parseRoute() {
  const parts = location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map(decodeURIComponent);
  if (parts[0] === "connections") return { view: "connections" };
  if (parts[0] === "exports" && parts[1]) {
    return { view: "export", name: parts[1], runId: parts[2] === "runs" ? parts[3] : undefined };
  }
  return { view: "exports" };
}

/** @param {string} [message] */
function showSignIn(message) {
  clearTimeout(state.timer);
  state.api = undefined;
  state.me = undefined;
  elements.view.hidden = true;
  elements.view.replaceChildren();
  elements.nav.hidden = true;
  elements.whoami.hidden = true;
  elements.signIn.hidden = false;
  elements.signInError.textContent = message ?? "";
  elements.token.value = "";
  elements.token.focus();
}

/** @param {string} token */
async function signIn(token) {
  const api = createApi(token);
  const me = await api.me();
  storeToken(token);
  state.api = api;
  state.me = me;
  elements.signIn.hidden = true;
  elements.view.hidden = false;
  elements.nav.hidden = false;
  elements.navConnections.hidden = me.role !== "admin";
  elements.whoami.hidden = false;
  elements.whoamiText.textContent = `${me.name} · ${me.role}`;
  state.renderedRoute = undefined;
  await render();
}

/** @param {number} ms */
function scheduleRefresh(ms) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => void render(), ms);
}

/**
 * Replaces the view, keeping focus where it was unless the route changed.
 * @param {Node} node
 * @param {Route} route
 */
function show(node, route) {
  const key = JSON.stringify(route);
  const focusedId = document.activeElement?.id;
  elements.view.replaceChildren(node);
  if (state.renderedRoute !== key) {
    state.renderedRoute = key;
    elements.view.querySelector("h1")?.focus();
  } else if (focusedId) {
    // Run now and Cancel replace each other: keep the keyboard on whichever is there now.
    const next =
      document.getElementById(focusedId) ??
      document.getElementById(/** @type {string} */ (FOCUS_SUCCESSOR[focusedId]));
    next?.focus();
  }
  elements.refreshed.textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

/**
 * Marks the nav link of the current section for assistive technology and styling.
 * @param {Route} route
 */
function markCurrentSection(route) {
  const section = route.view === "connections" ? "connections" : "exports";
  for (const link of elements.nav.querySelectorAll("a[data-nav]")) {
    if (link.getAttribute("data-nav") === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function render() {
  if (state.api === undefined) return;
  const generation = ++state.generation;
  const route = parseRoute();
  markCurrentSection(route);
  try {
    let next = IDLE_POLL_MS;
    let node;
    if (route.view === "connections") {
      const [connections, sources] = await Promise.all([
        state.api.connections(),
        state.api.sources(),
      ]);
      node = h("div", {}, connectionsView(connections.items), sourcesView(sources.items));
    } else if (route.view === "export") {
      const result = await renderExport(route);
      node = result.node;
      next = result.next;
    } else {
      node = await renderExports();
    }
    // A newer render (navigation, button) started meanwhile: its answer wins.
    if (generation !== state.generation) return;
    show(node, route);
    scheduleRefresh(next);
  } catch (error) {
    if (generation !== state.generation) return;
    if (error instanceof ApiError && error.status === 401) {
      forgetToken();
      showSignIn("The token was not accepted (revoked or mistyped). Sign in again.");
      return;
    }
    const message = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
    show(h("p", { class: "notice notice-bad", role: "alert" }, message), route);
    scheduleRefresh(IDLE_POLL_MS);
  }
}

async function renderExports() {
  // Only render() calls this, after checking that the page is signed in.
  const api = /** @type {Api} */ (state.api);
  const [{ items }, me] = await Promise.all([api.exports(), api.me()]);
  state.me = me;
  const runLists = await Promise.all(items.map((item) => api.runs(item.name, 10)));
  const runsByExport = new Map(items.map((item, index) => [item.name, runLists[index].items]));
  return exportsView({ exports: items, runsByExport, me });
}

/** @param {Extract<Route, { view: "export" }>} route */
async function renderExport(route) {
  // Only render() calls this, after checking that the page is signed in.
  const api = /** @type {Api} */ (state.api);
  const [item, { items: runs }, me] = await Promise.all([
    api.exportOf(route.name),
    api.runs(route.name, 20),
    api.me(),
  ]);
  state.me = me;
  const active = runs.find(isActive);
  const selectedRun =
    route.runId === undefined ? undefined : await api.run(route.name, route.runId);
  updateLive(route.name, runs, active);
  const actions = me.exports.find((entry) => entry.name === route.name)?.actions ?? ["export.read"];
  const node = exportView({
    item,
    runs,
    actions,
    selectedRun,
    notice: state.notice,
    live: state.live,
    plan: state.plan?.name === route.name ? state.plan : undefined,
    onPlan: () => void previewPlan(route.name),
    onRun: () => void runNow(route.name),
    onCancel: (run) => void cancelRun(route.name, run),
  });
  return { node, next: active === undefined ? IDLE_POLL_MS : ACTIVE_POLL_MS };
}

/**
 * Progress of the active run, or the outcome of the run this tab watched until it ended.
 * @param {string} name
 * @param {Run[]} runs
 * @param {Run | undefined} active
 */
function updateLive(name, runs, active) {
  if (active !== undefined) {
    state.watchedRun = { name, id: active.id };
    // `active` is queued or running, so progressView draws its card.
    state.live.replaceChildren(/** @type {HTMLElement} */ (progressView(active)));
    return;
  }
  const watched = state.watchedRun;
  if (watched?.name === name) {
    const ended = runs.find((run) => run.id === watched.id);
    // An empty string is the empty text node an empty array used to become.
    state.live.replaceChildren(ended === undefined ? "" : finishedView(ended));
  } else {
    state.watchedRun = undefined;
    state.live.replaceChildren();
  }
}

/** @param {string} name */
async function runNow(name) {
  try {
    // The buttons that call this exist only while signed in.
    const run = await /** @type {Api} */ (state.api).trigger(name);
    state.watchedRun = { name, id: run.id };
    state.notice = undefined;
  } catch (error) {
    state.notice = { tone: "bad", text: error instanceof ApiError ? error.message : String(error) };
  }
  await render();
}

/** Asks for a plan (reads the segments: may take a while) and shows it. */
/** @param {string} name */
async function previewPlan(name) {
  state.plan = { name, status: "loading" };
  await render();
  try {
    state.plan = { name, status: "ready", body: await /** @type {Api} */ (state.api).plan(name) };
  } catch (error) {
    const message = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
    state.plan = { name, status: "error", message };
  }
  await render();
  document.getElementById("plan-title")?.focus();
}

/**
 * @param {string} name
 * @param {Run} run
 */
async function cancelRun(name, run) {
  try {
    await /** @type {Api} */ (state.api).cancel(name, run.id);
    state.notice = { tone: "warn", text: `Asked run ${run.id.slice(0, 8)} to stop.` };
  } catch (error) {
    // The run may end between the click and the request: that is news, not a failure.
    state.notice =
      error instanceof ApiError && error.code === "RUN_FINISHED"
        ? { tone: "muted", text: `Run ${run.id.slice(0, 8)} had already finished.` }
        : { tone: "bad", text: error instanceof ApiError ? error.message : String(error) };
  }
  await render();
}

elements.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = elements.token.value.trim();
  if (token === "") {
    elements.signInError.textContent = "Enter an API token.";
    return;
  }
  elements.signInError.textContent = "";
  signIn(token).catch((error) => {
    showSignIn(
      error instanceof ApiError && error.status === 401
        ? "That token was not accepted. Check it and try again."
        : error instanceof ApiError
          ? error.message
          : String(error),
    );
  });
});

elements.signOut.addEventListener("click", () => {
  forgetToken();
  location.hash = "#/";
  showSignIn();
});

window.addEventListener("hashchange", () => {
  state.notice = undefined;
  // A plan is a snapshot of one moment; leaving the page drops it.
  state.plan = undefined;
  void render();
});

const saved = storedToken();
if (saved === null) {
  showSignIn();
} else {
  signIn(saved).catch(() => {
    forgetToken();
    showSignIn("Your session ended. Sign in again.");
  });
}
