// Injected into every document of the benchmark browser (context.addInitScript), before
// the app's own scripts. Defines window.__fk* helpers the benchmark calls from
// page.evaluate, so every interaction is timed inside the page, not across the
// driver's round trips. Plain browser JS: no imports, no closures over Node.
(() => {
  // Calls `cb` once the frame after now has painted: the next animation frame,
  // then a task (a setTimeout queued from rAF runs after that frame's paint).
  const afterPaint = (cb) => requestAnimationFrame(() => setTimeout(cb, 0));

  // Long tasks since navigation start; __fkLongest(t0, t1) is the longest one
  // overlapping [t0, t1] (0 if none). takeRecords() picks up those not yet delivered.
  const longTasks = [];
  let longTaskObserver = null;
  try {
    longTaskObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration]);
    });
    longTaskObserver.observe({ type: 'longtask', buffered: true });
  } catch {
    // No long-task API: the longest-task figures stay 0.
  }
  window.__fkLongest = (t0, t1) => {
    for (const e of longTaskObserver?.takeRecords() ?? []) longTasks.push([e.startTime, e.duration]);
    let max = 0;
    for (const [start, duration] of longTasks) if (start < t1 && start + duration > t0) max = Math.max(max, duration);
    return max;
  };

  // Runs `act` at t0, then checks `ready` right away and on every animation frame;
  // once it holds, resolves after the first frame painted with the result, with
  // { ms, t0, t1 }. Found true inside an animation frame, that is this frame (it is
  // painted after its callbacks): a task queued now runs after that paint.
  // Resolves { error } if `act` throws, { timeout } if `ready` never holds.
  window.__fkTime = (act, ready, timeout = 60_000) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      try {
        act();
      } catch (e) {
        resolve({ error: String(e?.message || e) });
        return;
      }
      const poll = (inFrame) => {
        let ok = false;
        try {
          ok = Boolean(ready());
        } catch {
          ok = false;
        }
        if (ok) {
          const done = () => {
            const t1 = performance.now();
            resolve({ ms: t1 - t0, t0, t1 });
          };
          if (inFrame) setTimeout(done, 0);
          else afterPaint(done);
        } else if (performance.now() - t0 > timeout) {
          resolve({ timeout: true, t0, t1: performance.now() });
        } else {
          requestAnimationFrame(() => poll(true));
        }
      };
      poll(false);
    });

  // Page loads: records window.__fkShown = { name, ms } (ms from navigation start)
  // once the first of these screens is shown and painted.
  const screens = {
    studies: () => [...document.querySelectorAll('h1')].some((h) => h.textContent.trim() === 'Your studies'),
    study: () => document.querySelector('nav.tabs, .save-state'),
  };
  window.__fkShown = null;
  const watcher = new MutationObserver(() => {
    for (const [name, shown] of Object.entries(screens)) {
      if (shown()) {
        watcher.disconnect();
        afterPaint(() => (window.__fkShown = { name, ms: performance.now() }));
        return;
      }
    }
  });
  watcher.observe(document, { childList: true, subtree: true });
  setTimeout(() => watcher.disconnect(), 600_000);

  // The app's wasm exports (scripts/build-app.sh's loader announces them), for the size of its memory.
  addEventListener('fieldkit-started', (e) => (window.__fkWasm = e.detail?.wasm));

  // Small DOM helpers for the benchmark's page functions.
  const text = (el) => (el?.textContent || '').replace(/\s+/g, ' ').trim();
  const visible = (el) => Boolean(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));
  // Accessible name, roughly: aria-label, aria-labelledby, <label for>, wrapping label.
  const nameOf = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    const ids = el.getAttribute('aria-labelledby');
    if (ids) return ids.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ');
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) return text(label);
    }
    return text(el.closest('label'));
  };
  const segmentTexts = () => [...document.querySelectorAll('li.segment')].map((li) => text(li.querySelector('.segment-text') || li));
  window.__fk = {
    text,
    visible,
    nameOf,
    count: (selector) => document.querySelectorAll(selector).length,
    navLink: (name) =>
      [...document.querySelectorAll('nav[aria-label="Study sections"] a')].find((a) => text(a) === name),
    // The first enabled button whose text starts with `prefix`.
    button: (prefix) => [...document.querySelectorAll('button')].find((b) => !b.disabled && text(b).startsWith(prefix)),
    // The study-wide text search (not the source screen's "Find a code").
    searchBox: () =>
      [...document.querySelectorAll('input[type="search"], [role="searchbox"]')].find((el) =>
        /^search the text/i.test(nameOf(el)),
      ),
    // Remembers the segment list, so newSegment() can tell which one an action added.
    rememberSegments: () => (window.__fkSegmentsBefore = segmentTexts()),
    newSegment: () => {
      const before = [...(window.__fkSegmentsBefore || [])];
      for (const li of document.querySelectorAll('li.segment')) {
        const at = before.indexOf(text(li.querySelector('.segment-text') || li));
        if (at >= 0) before.splice(at, 1);
        else return li;
      }
      return null;
    },
    // Appends one character as a keystroke would (the app listens for `input`).
    typeChar: (el, ch) => {
      el.value += ch;
      el.dispatchEvent(new InputEvent('input', { bubbles: true, data: ch, inputType: 'insertText' }));
    },
  };
})();
