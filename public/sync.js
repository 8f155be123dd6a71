// fieldkit team sync: the few PouchDB calls the app makes, as `globalThis.fieldkitSync`.
//
// PouchDB (pinned from npm, bundled by the build next to this file, loaded only
// when a study syncs) keeps a replica of the team's CouchDB database on the device
// and does the replication: checkpoints, revision trees, _revs_diff, _bulk_docs
// with new_edits:false, retries. The app decides what crosses between its own
// records and the replica (crates/core/src/sync/replica.rs). Values cross as JSON
// strings, so the Rust side reads them with serde.
'use strict';
(() => {
  const replicas = new Map(); // study id -> local PouchDB
  const running = new Map(); // study id -> { sync, feed }

  const trim = (server) => String(server).replace(/\/+$/, '');
  const replica = (study) => {
    if (!replicas.has(study)) replicas.set(study, new PouchDB('fieldkit-sync-' + study, { auto_compaction: true }));
    return replicas.get(study);
  };
  // The session cookie (from /_session) goes with every request; no password is kept.
  const remote = (server, db) =>
    new PouchDB(trim(server) + '/' + encodeURIComponent(db), {
      skip_setup: true,
      fetch: (url, opts) => {
        opts.credentials = 'include';
        return PouchDB.fetch(url, opts);
      },
    });
  const errorOf = (e) => JSON.stringify({ status: (e && e.status) || 0, error: (e && (e.name || e.error)) || 'error', reason: String((e && (e.reason || e.message)) || e) });
  const row = (r) => ({ id: r.id, rev: r.value && r.value.rev, deleted: !!(r.value && r.value.deleted), doc: r.doc || null });

  globalThis.fieldkitSync = {
    /** One request to the server: { status, body } (status 0: not reachable). */
    async request(server, path, method, body) {
      try {
        const r = await fetch(trim(server) + path, {
          method,
          credentials: 'include',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: body || undefined,
        });
        let parsed = null;
        try { parsed = await r.json(); } catch (_) { parsed = null; }
        return JSON.stringify({ status: r.status, body: parsed });
      } catch (e) {
        return JSON.stringify({ status: 0, body: { reason: String(e && e.message || e) } });
      }
    },
    /** Live documents of the replica (all, or those of `idsJson`), with their conflicts. */
    async docs(study, idsJson) {
      const options = { include_docs: true, conflicts: true };
      if (idsJson) options.keys = JSON.parse(idsJson);
      const result = await replica(study).allDocs(options);
      return JSON.stringify(result.rows.filter((r) => !r.error && !(r.value && r.value.deleted) && !r.id.startsWith('_')).map(row));
    },
    /** Writes to the replica: [{ id, rev } | { id, error }]. */
    async bulk(study, docsJson, newEdits) {
      const result = await replica(study).bulkDocs(JSON.parse(docsJson), { new_edits: newEdits });
      return JSON.stringify(result.map((r) => (r.error ? { id: r.id, error: r.name || r.error, reason: r.reason || r.message || '' } : { id: r.id, rev: r.rev })));
    },
    async info(study) {
      return JSON.stringify(await replica(study).info());
    },
    /** A device-only document of the replica (never replicated), or null. */
    async getLocal(study, name) {
      try { return JSON.stringify((await replica(study).get('_local/' + name)).value); } catch (_) { return null; }
    },
    async putLocal(study, name, valueJson) {
      const db = replica(study);
      let rev;
      try { rev = (await db.get('_local/' + name))._rev; } catch (_) { rev = undefined; }
      await db.put({ _id: '_local/' + name, _rev: rev, value: JSON.parse(valueJson) });
    },
    /** One replication from the server into the replica, with progress. */
    async pull(study, server, db, onProgress) {
      // The app drops its progress callback once this returns.
      let active = true;
      try {
        const rep = replica(study).replicate.from(remote(server, db), { batch_size: 500, batches_limit: 4 });
        rep.on('change', (info) => { if (active) onProgress(info.docs_read || 0); });
        const done = await rep;
        return JSON.stringify({ ok: true, docs_read: done.docs_read });
      } catch (e) {
        return errorOf(e);
      } finally {
        active = false;
      }
    },
    /** Two-way live replication, and the replica's own change feed from `since`. */
    start(study, server, db, since, onEvent) {
      this.stop(study);
      const local = replica(study);
      const sync = local.sync(remote(server, db), { live: true, retry: true, batch_size: 500 });
      // After stop() the app's callback is gone: nothing may call it any more.
      let stopped = false;
      const say = (event) => {
        if (!stopped) onEvent(JSON.stringify(event));
      };
      sync.on('change', (info) => say({ type: 'change', direction: info.direction, docs: (info.change && info.change.docs_written) || 0, pending: (info.change && info.change.pending) || 0 }));
      sync.on('paused', (e) => say({ type: 'paused', error: e ? String(e.message || e.reason || e) : null }));
      sync.on('active', () => say({ type: 'active' }));
      sync.on('denied', (e) => say({ type: 'denied', reason: String((e && (e.reason || e.message)) || e) }));
      sync.on('error', (e) => say({ type: 'error', status: (e && e.status) || 0, reason: String((e && (e.reason || e.message)) || e) }));
      // Changes reach the app in batches, so a first sync of thousands of
      // documents is applied in a few writes, not one per document.
      let batch = [];
      let last = since;
      let timer = null;
      const flush = () => {
        timer = null;
        if (!batch.length) return;
        const docs = batch;
        batch = [];
        say({ type: 'docs', seq: last, docs });
      };
      const feed = local.changes({ since, live: true, include_docs: true, conflicts: true });
      feed.on('change', (c) => {
        last = c.seq;
        if (c.id.startsWith('_')) return;
        batch.push({ id: c.id, rev: c.changes && c.changes[0] && c.changes[0].rev, deleted: !!c.deleted, doc: c.doc || null });
        if (batch.length >= 500) flush();
        else if (!timer) timer = setTimeout(flush, 150);
      });
      feed.on('error', (e) => say({ type: 'error', status: 0, reason: String(e && e.message || e) }));
      const halt = () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        sync.cancel();
        feed.cancel();
      };
      running.set(study, { halt });
    },
    stop(study) {
      const r = running.get(study);
      if (!r) return;
      r.halt();
      running.delete(study);
    },
  };
})();
