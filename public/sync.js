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
  // Deleted leaves of live documents that no one has settled (a settled one carries
  // fieldkit_settled: true): each row gets them as deleted_conflicts.
  const markDeletedConflicts = async (db, rows) => {
    const asks = [];
    for (const r of rows) {
      if (r.deleted || !r.doc) continue;
      const known = new Set([r.rev, ...(r.doc._conflicts || [])]);
      for (const rev of r.leaves || []) if (!known.has(rev)) asks.push({ id: r.id, rev });
    }
    if (!asks.length) return;
    const found = await db.bulkGet({ docs: asks });
    const unsettled = new Map();
    for (const result of found.results) {
      for (const d of result.docs) {
        const doc = d.ok;
        if (doc && doc._deleted && !doc.fieldkit_settled) {
          if (!unsettled.has(doc._id)) unsettled.set(doc._id, []);
          unsettled.get(doc._id).push(doc._rev);
        }
      }
    }
    for (const r of rows) r.deleted_conflicts = unsettled.get(r.id) || [];
  };
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
    /** Each document of `idsJson` with its winning revision and the versions in
     *  conflict with it that no one has settled (losing edits, deletions). */
    async others(study, idsJson) {
      const db = replica(study);
      const out = [];
      for (const id of JSON.parse(idsJson)) {
        let winner = null;
        try { winner = await db.get(id); } catch (_) { winner = null; }
        let leaves = [];
        try { leaves = await db.get(id, { open_revs: 'all' }); } catch (_) { leaves = []; }
        const others = leaves
          .map((l) => l.ok)
          .filter((d) => d && (!winner || d._rev !== winner._rev) && !(d._deleted && d.fieldkit_settled));
        out.push({ id, winner, others });
      }
      return JSON.stringify(out);
    },
    /** One page of the replica's live documents after the id `after` (null: from the start). */
    async docsPage(study, after, limit) {
      const options = { include_docs: true, conflicts: true, limit };
      if (after) { options.startkey = after; options.skip = 1; }
      const result = await replica(study).allDocs(options);
      return JSON.stringify({
        last: result.rows.length ? result.rows[result.rows.length - 1].id : null,
        rows: result.rows.filter((r) => !r.error && !(r.value && r.value.deleted) && !r.id.startsWith('_')).map(row),
      });
    },
    /** Deletes a replica (a first sync given up). */
    async destroy(study) {
      await replica(study).destroy();
      replicas.delete(study);
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
      // Two writes of the same note can meet (a restarted sync and the run it
      // replaced): the later one reads the new revision and writes again.
      for (let attempt = 0; ; attempt++) {
        let rev;
        try { rev = (await db.get('_local/' + name))._rev; } catch (_) { rev = undefined; }
        try {
          await db.put({ _id: '_local/' + name, _rev: rev, value: JSON.parse(valueJson) });
          return;
        } catch (e) {
          if (!(e && e.status === 409) || attempt >= 4) throw e;
        }
      }
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
      // documents is applied in a few writes, not one per document. Batches go in
      // order: each waits for the one before.
      let batch = [];
      let last = since;
      let timer = null;
      let chain = Promise.resolve();
      const flush = () => {
        timer = null;
        if (!batch.length) return;
        const docs = batch;
        const seq = last;
        batch = [];
        chain = chain.then(async () => {
          await markDeletedConflicts(local, docs);
          say({ type: 'docs', seq, docs });
        }).catch((e) => say({ type: 'error', status: 0, reason: String(e && e.message || e) }));
      };
      // style all_docs lists every leaf revision, deleted ones too: a deletion that
      // lost to an edit on another device shows there and nowhere else.
      const feed = local.changes({ since, live: true, include_docs: true, conflicts: true, style: 'all_docs' });
      feed.on('change', (c) => {
        last = c.seq;
        if (c.id.startsWith('_')) return;
        const rev = (c.doc && c.doc._rev) || (c.changes && c.changes[0] && c.changes[0].rev);
        const leaves = (c.changes || []).map((x) => x.rev);
        batch.push({ id: c.id, rev, deleted: !!c.deleted, doc: c.doc || null, leaves });
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
