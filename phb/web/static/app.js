// phb's own browser code: starts NHS.UK frontend and keeps it working across htmx swaps.
//
// Our Content Security Policy allows only scripts from our own origin (script-src 'self'), so the inline
// snippet of the NHS.UK page template, and htmx's hx-on attributes, cannot run. Everything they would do
// happens here instead. Every page works without this file: it only enhances.

import { InitError, initAll, setFocus } from "/static/nhsuk/nhsuk-frontend.min.js";

const LIVE_REGION_ID = "phb-live";

// The NHS.UK template's inline script adds these classes; the component CSS and JS look for them. A browser
// that runs this module supports ES modules, which is what "nhsuk-frontend-supported" means.
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");

// Errors other than "already initialised" still reach the console, as initAll would log them by default.
function logUnexpected(error) {
  if (!(error instanceof InitError)) {
    console.error(error);
  }
}

initAll({ onError: logUnexpected });

// Put a short message in the polite live region so screen readers announce what an htmx request did.
// Clearing first makes a repeated message ("Saved", "Saved") be announced again.
function announce(message) {
  const region = document.getElementById(LIVE_REGION_ID);
  if (!region || !message) {
    return;
  }
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = String(message);
  }, 100);
}

// After htmx settles new content, start the NHS.UK components inside it. The event fires on each element that
// was swapped in; with an outerHTML swap that element is itself new, so search from its parent. Components that
// were already running raise InitError, which is expected and ignored.
document.addEventListener("htmx:afterSettle", (event) => {
  const swapped = event.target;
  if (!(swapped instanceof Element) || !swapped.isConnected) {
    return;
  }
  initAll({ scope: swapped.parentElement ?? swapped, onError: logUnexpected });

  // A form that came back with errors: move focus to its error summary (WCAG 3.3.1, NHS.UK error summary
  // guidance). The ErrorSummary component usually does this itself on initialisation; this also covers a
  // summary that was already initialised or whose auto-focus was disabled.
  const summary = swapped.matches(".nhsuk-error-summary")
    ? swapped
    : swapped.querySelector(".nhsuk-error-summary");
  if (summary instanceof HTMLElement && !summary.contains(document.activeElement)) {
    setFocus(summary);
  }
});

// The server can announce the outcome of an htmx request with the response header
//   HX-Trigger: {"phb:announce": "Budget sheet saved"}
// which htmx turns into a "phb:announce" event whose detail.value is the message.
document.addEventListener("phb:announce", (event) => {
  announce(event.detail?.value);
});

// htmx does not swap error responses (other than 409 and 422, see the htmx-config meta tag), so without this a failed
// request would look to a screen reader user as though nothing happened.
document.addEventListener("htmx:responseError", () => {
  announce("Sorry, there is a problem with the service. Try again later.");
});
document.addEventListener("htmx:sendError", () => {
  announce("Sorry, the service could not be reached. Check your connection and try again.");
});

// Warn before the idle sign-out (WCAG 2.2.1 Timing Adjustable): the server ends a session after the number of
// seconds in <meta name="phb-session-idle-seconds">. Two minutes before that, a banner offers to stay signed in;
// the button asks the server to refresh the session, and the countdown starts again. Any page load or htmx
// request also refreshes the session, so the timer restarts after each one.
const idleMeta = document.querySelector('meta[name="phb-session-idle-seconds"]');
const csrfHeaders = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
const WARN_BEFORE_SECONDS = 120;
let idleTimer;

function showIdleWarning() {
  if (document.getElementById("phb-idle-warning")) {
    return;
  }
  const banner = document.createElement("div");
  banner.id = "phb-idle-warning";
  banner.className = "nhsuk-inset-text phb-idle-warning";
  banner.setAttribute("role", "alertdialog");
  banner.setAttribute("aria-labelledby", "phb-idle-warning-text");
  const text = document.createElement("p");
  text.id = "phb-idle-warning-text";
  text.textContent = "You will be signed out in 2 minutes because you have not done anything for a while.";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "nhsuk-button nhsuk-u-margin-bottom-0";
  button.textContent = "Stay signed in";
  button.addEventListener("click", async () => {
    const response = await fetch("/session/keepalive", { method: "POST", headers: csrfHeaders });
    banner.remove();
    if (response.ok) {
      announce("You are still signed in.");
      startIdleTimer();
    } else {
      window.location.assign("/login");
    }
  });
  banner.append(text, button);
  document.querySelector("main")?.prepend(banner);
  button.focus();
}

function startIdleTimer() {
  if (!idleMeta) {
    return;
  }
  const seconds = Number(idleMeta.getAttribute("content"));
  window.clearTimeout(idleTimer);
  idleTimer = window.setTimeout(showIdleWarning, Math.max(0, seconds - WARN_BEFORE_SECONDS) * 1000);
}

startIdleTimer();
document.addEventListener("htmx:afterRequest", startIdleTimer);
