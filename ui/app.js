/* Ballast web view: a single page with four tabs (hash routes #cluster, #proposal[/TASK],
 * #execution, #rebalances) on the native API under /api/v1 (docs/api.md, docs/ui.md).
 * Everything shown comes from the service and is user data (topic names, rack names, user
 * names): it is only ever put into the page as text (textContent / text nodes), never as HTML.
 * Buttons are shown only to a role the endpoint accepts (GET /api/v1/whoami). The page's
 * Content-Security-Policy (index.html) allows only its own script and style files, so even
 * markup that got in could run nothing. */
'use strict';

const RES = ['disk', 'nwIn', 'nwOut', 'cpu'];
const RES_LABEL = { disk: 'disk', nwIn: 'in', nwOut: 'out', cpu: 'cpu' };
const RES_API = { disk: 'disk', nwIn: 'networkInbound', nwOut: 'networkOutbound', cpu: 'cpu' };
const ROLES = { VIEWER: 1, USER: 2, ADMIN: 3 };
const ctx = { user: "", role: 0, timer: null, seq: 0, compact: undefined };

/* Builds an element; string and number children become text nodes (never parsed as HTML). */
function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'width') e.style.width = v;
    else if (k === 'style') e.style.cssText = v; /* CSSOM: allowed by the page's CSP */
    else e.setAttribute(k, String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

class ApiError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

/* One call to the service. Relative to the origin, so a URL with user:password@ in it still
 * works; the browser sends its Basic credentials. 2xx answers return {status, body}. */
async function api(method, path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
  const r = await fetch(url, { method, credentials: 'same-origin',
                               headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (r.status < 200 || r.status > 299)
    throw new ApiError(r.status, (body && body.errorMessage) || (r.status + ' ' + r.statusText));
  return { status: r.status, body };
}

function showError(e) {
  const box = document.getElementById('error');
  if (!e) { box.hidden = true; box.textContent = ''; return; }
  box.hidden = false;
  box.textContent = String(e.message || e);
}

const can = (role) => ctx.role >= ROLES[role];

function fmtBytes(b) {
  if (!isFinite(b)) return '-';
  const u = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (Math.abs(b) >= 1000 && i < u.length - 1) { b /= 1000; i++; }
  return (i ? b.toFixed(b < 10 ? 2 : 1) : String(Math.round(b))) + ' ' + u[i];
}
function fmtAge(ms) {
  const s = ms / 1000;
  if (s < 60) return s.toFixed(1) + ' s';
  if (s < 3600) return (s / 60).toFixed(1) + ' min';
  return (s / 3600).toFixed(1) + ' h';
}
const fmtTime = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '-');
const pct = (x) => (isFinite(x) ? (100 * x).toFixed(x < 0.1 ? 1 : 0) + '%' : '-');

/* ---------- per-broker figures and their colours against the goals' thresholds ---------- */

/* Utilisation (fraction of capacity) of one broker of a BrokerStats answer. */
function brokerUtil(b) {
  return {
    disk: b.DiskPct / 100,
    cpu: b.CpuPct / 100,
    nwIn: b.NetworkInCapacity > 0 ? (b.LeaderNwInRate + b.FollowerNwInRate) / b.NetworkInCapacity : 0,
    nwOut: b.NetworkOutCapacity > 0 ? b.NwOutRate / b.NetworkOutCapacity : 0,
  };
}

/* Averages over the alive brokers: the centre of each balance band. */
function clusterMeans(brokers) {
  const m = { disk: 0, cpu: 0, nwIn: 0, nwOut: 0, replicas: 0, leaders: 0, maxReplicas: 1,
              maxLeaders: 1 };
  let n = 0;
  for (const b of brokers) {
    if (b.BrokerState && b.BrokerState !== 'ALIVE') continue;
    const u = brokerUtil(b);
    for (const r of RES) m[r] += u[r];
    m.replicas += b.Replicas; m.leaders += b.Leaders; n++;
  }
  for (const b of brokers) {
    m.maxReplicas = Math.max(m.maxReplicas, b.Replicas);
    m.maxLeaders = Math.max(m.maxLeaders, b.Leaders);
  }
  if (n) for (const k of [...RES, 'replicas', 'leaders']) m[k] /= n;
  return m;
}

/* 'bad' over the capacity threshold, 'warn' outside the balance band around the mean (when
 * the mean is above the low-utilisation threshold), '' inside it. */
function resClass(th, means, r, u) {
  const a = RES_API[r];
  if (u > th.capacity[a]) return 'bad';
  const t = th.balance[a], avg = means[r];
  if (avg > (th.lowUtilization[a] || 0) && (u > avg * t || u < avg * (2 - t))) return 'warn';
  return '';
}
function countClass(limit, avg, n, max) {
  if (max && n > max) return 'bad';
  if (avg > 0 && (n > avg * limit || n < avg * (2 - limit))) return 'warn';
  return '';
}

/* One bar: a single element, its fill a gradient as wide as --w. */
function bar(f, extraCls) {
  const e = document.createElement('div');
  e.className = 'bar ' + f.cls + (extraCls || '');
  e.style.setProperty('--w', (f.frac * 100).toFixed(1) + '%');
  e.title = f.title;
  e.textContent = f.label + ' ' + f.value;
  return e;
}

/* The six figures of one broker: {label, frac (0..1 of the bar), cls, value, title}. */
function brokerFigures(b, th, means) {
  const u = brokerUtil(b);
  const out = [];
  const clamp = (x) => Math.max(0, Math.min(1, x));
  for (const r of RES)
    out.push({ label: RES_LABEL[r], frac: clamp(u[r]), cls: resClass(th, means, r, u[r]),
               value: pct(u[r]), title: r + ': ' + pct(u[r]) + ' of capacity (limit ' +
               pct(th.capacity[RES_API[r]]) + ', cluster mean ' + pct(means[r]) + ')' });
  out.push({ label: 'replicas', frac: clamp(b.Replicas / means.maxReplicas),
             cls: countClass(th.replicaBalance, means.replicas, b.Replicas,
                             th.maxReplicasPerBroker),
             value: b.Replicas, title: 'replicas: ' + b.Replicas + ' (mean ' +
             means.replicas.toFixed(1) + ')' });
  out.push({ label: 'leaders', frac: clamp(b.Leaders / means.maxLeaders),
             cls: countClass(th.leaderBalance, means.leaders, b.Leaders, 0), value: b.Leaders,
             title: 'leaders: ' + b.Leaders + ' (mean ' + means.leaders.toFixed(1) + ')' });
  return out;
}

const brokerBars = (b, th, means, extraCls) =>
  brokerFigures(b, th, means).map((f) => bar(f, extraCls));

/* A compact tile: one element, its six bars painted as background layers (1,000 brokers draw
 * as 1,000 elements, not 8,000); the figures are in its tooltip. */
const TILE_COLOUR = { '': '#7cc68e', warn: '#e9b949', bad: '#e0736b' };
function tile(card, figs) {
  const img = [], size = [], pos = [];
  figs.forEach((f, i) => {
    const c = TILE_COLOUR[f.cls];
    img.push('linear-gradient(' + c + ',' + c + ')');
    size.push((f.frac * 100).toFixed(1) + '% 4px');
    pos.push('0 ' + (i * 6) + 'px');
  });
  figs.forEach((f, i) => {  /* the tracks, under the bars */
    img.push('linear-gradient(#e8ebee,#e8ebee)');
    size.push('100% 4px');
    pos.push('0 ' + (i * 6) + 'px');
  });
  const bars = document.createElement('div');
  bars.className = 'tile';
  bars.style.backgroundImage = img.join(',');
  bars.style.backgroundSize = size.join(',');
  bars.style.backgroundPosition = pos.join(',');
  card.title = (card.title ? card.title + '\n' : '') +
    figs.map((f) => f.label + ' ' + f.value + (f.cls ? ' (' + f.cls + ')' : '')).join('\n');
  card.append(bars);
}

/* ---------- Cluster ---------- */

async function pageCluster(root, seq) {
  const [layout, load, state] = await Promise.all([
    api('GET', '/api/v1/layout'), api('GET', '/api/v1/load'), api('GET', '/api/v1/state')]);
  if (seq !== ctx.seq) return;
  const th = layout.body.thresholds, st = state.body;
  const byId = new Map(load.body.brokers.map((b) => [b.Broker, b]));
  const means = clusterMeans(load.body.brokers);
  const m = st.model || {}, mon = st.monitor || {};
  let violated = 0;
  root.append(el('h2', null, 'Cluster'),
    el('div', { class: 'facts' },
      el('span', null, 'model generation ', el('b', null, m.generation), ' (', m.source, ')'),
      el('span', null, 'age ', el('b', { id: 'model-age' }, fmtAge(m.ageMs || 0))),
      el('span', null, el('b', null, m.brokers), ' brokers, ', el('b', null, m.partitions),
         ' partitions, ', el('b', null, m.replicas), ' replicas'),
      el('span', null, 'load data: ', el('b', null,
         mon.loadMeasured ? 'measured' : 'estimated (no sampler)'), ', ',
         el('b', null, mon.numValidWindows || 0), ' windows, ',
         el('b', null, (mon.monitoredPartitionsPercentage || 0) + '%'),
         ' of partitions monitored'),
      el('span', { id: 'violations' })),
    el('div', { class: 'legend' }, 'bars: utilisation of capacity; replica and leader counts ' +
       'against the largest broker.', el('i', { style: 'background:var(--okbar)' }), 'within ' +
       'the balance band', el('i', { style: 'background:var(--warnbar)' }), 'outside it',
       el('i', { style: 'background:var(--badbar)' }), 'over the capacity threshold; a red ' +
       'frame: replicas of partitions that are not rack aware'));
  /* many brokers: small tiles, the figures in each bar's tooltip (toggle kept per tab) */
  const nb = load.body.brokers.length;
  const compact = ctx.compact ?? nb > 150;
  root.append(el('div', { class: 'toolbar' }, el('label', null,
    el('input', { type: 'checkbox', id: 'compact', checked: compact ? '' : null,
                  onchange: (ev) => { ctx.compact = ev.target.checked; route(); } }),
    ' compact (figures in the tooltips)')));
  const zones = el('div', { class: 'zones' + (compact ? ' compact' : ''), id: 'zones' });
  for (const z of layout.body.zones) {
    let zv = 0;
    const zone = el('section', { class: 'zone', 'data-zone': z.name });
    zone.append(el('div', { class: 'title' }, 'zone ', z.name));
    for (const r of z.racks) {
      let rv = 0;
      const rack = el('div', { class: 'rack', 'data-rack': r.name });
      rack.append(el('div', { class: 'title' }, 'rack ', r.name, ' · ',
                     r.brokers.length, r.brokers.length === 1 ? ' broker' : ' brokers'));
      const list = el('div', { class: 'brokers' });
      for (const lb of r.brokers) {
        const b = byId.get(lb.id);
        rv += lb.rackViolations;
        const card = el('div', { class: 'broker' + (lb.alive ? '' : ' dead') +
                                 (lb.rackViolations ? ' viol' : ''), 'data-broker': lb.id,
                                 title: lb.rackViolations ? lb.rackViolations +
                                 ' replicas of partitions that are not rack aware' : null },
          el('div', { class: 'id' }, compact ? '' : 'broker ', lb.id, lb.alive ? '' : ' (dead)'));
        if (b && compact) tile(card, brokerFigures(b, th, means));
        else if (b) card.append(...brokerBars(b, th, means));
        list.append(card);
      }
      rack.append(list);
      if (rv) rack.classList.add('viol');
      zv += rv;
      zone.append(rack);
    }
    if (zv) zone.classList.add('viol');
    violated += zv;
    zones.append(zone);
  }
  root.append(zones);
  root.querySelector('#violations').append(violated
    ? el('b', { style: 'color:var(--bad)' }, violated, ' replicas in partitions that are not rack aware')
    : 'rack aware: every partition');
}

/* ---------- Proposal ---------- */

/* Polls a task until it has its result; returns the result object. */
async function taskResult(id, seq) {
  for (;;) {
    const t = (await api('GET', '/api/v1/tasks/' + encodeURIComponent(id))).body;
    if (t.result && typeof t.result === 'object') return t.result;
    if (t.state && t.state !== 'Active') {
      if (t.errorMessage) throw new Error(t.errorMessage);
      return t;
    }
    await new Promise((res) => setTimeout(res, 1000));
    if (seq !== ctx.seq) return null;
  }
}

async function pageProposal(root, seq, arg) {
  const [tasks, proposals] = await Promise.all([api('GET', '/api/v1/tasks'),
                                                api('GET', '/api/v1/proposals')]);
  if (seq !== ctx.seq) return;
  const dry = tasks.body.tasks.filter((t) => t.kind === 'rebalance' && t.state === 'Completed');
  const pick = el('select', { id: 'proposal-pick', onchange: (ev) => {
    location.hash = ev.target.value ? '#proposal/' + ev.target.value : '#proposal'; } },
    el('option', { value: '' }, 'the default proposal (default goals, current model)'),
    dry.map((t) => el('option', { value: t.id, selected: t.id === arg ? '' : null },
                      'dry run ' + fmtTime(t.createdMs) + ' by ' + t.user +
                      (t.reason ? ' — ' + t.reason : ''))));
  const bar1 = el('div', { class: 'toolbar' }, 'Proposal: ', pick);
  if (can('USER'))
    bar1.append(el('button', { id: 'dryrun', onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await api('POST', '/api/v1/rebalance', { verbose: 'true' });
        const id = r.body.taskId || (r.body.id);
        if (r.status === 202) await taskResult(id, seq);
        location.hash = '#proposal/' + id;
      } catch (e) { showError(e); ev.target.disabled = false; }
    } }, 'New dry run (default goals)'));
  root.append(el('h2', null, 'Proposal'), bar1);
  let res;
  if (arg) {
    res = await taskResult(arg, seq);
  } else {
    try {
      res = (await api('GET', '/api/v1/proposals', { default: 'true' })).body;
    } catch (e) {
      if (e.status !== 503) throw e;
      root.append(el('p', { class: 'muted' }, e.message));
      return;
    }
  }
  if (seq !== ctx.seq || !res) return;
  if (!res.summary) {
    root.append(el('p', { class: 'muted' }, 'This task has no proposal: ',
                   res.errorMessage || JSON.stringify(res).slice(0, 300)));
    return;
  }
  renderProposal(root, res, proposals.body);
}

function renderProposal(root, res, plist) {
  const s = res.summary, bx = s.ballast || {};
  const id = res.proposalId;
  const facts = el('div', { class: 'facts', id: 'proposal-facts', 'data-proposal': id },
    el('span', null, 'id ', el('b', null, id)),
    el('span', null, 'model generation ', el('b', null, res.modelGeneration),
       plist.defaultProposalId === id ? ' (the default proposal)' : ''),
    el('span', null, 'planned in ', el('b', null, (res.planTimeMs || 0).toFixed(0), ' ms')),
    el('span', null, el('b', null, s.numReplicaMovements), ' replica moves, ',
       el('b', null, s.numLeaderMovements), ' leader moves'),
    el('span', null, 'to move ', el('b', null, fmtBytes(bx.dataToMoveBytes ?? s.dataToMoveMB * 1e6)),
       ' (lower bound ', el('b', null, fmtBytes(bx.lowerBoundDataToMoveBytes ?? NaN)),
       bx.lowerBoundDataToMoveBytes > 0 ? ', ' + (bx.dataToMoveBytes / bx.lowerBoundDataToMoveBytes).toFixed(2) + '×' : '', ')'),
    el('span', null, 'rack violations ', el('b', null, bx.rackViolationsBefore ?? '-'), ' → ',
       el('b', null, bx.rackViolationsAfter ?? '-')),
    el('span', null, 'balancedness ', el('b', null, s.onDemandBalancednessScoreBefore), ' → ',
       el('b', null, s.onDemandBalancednessScoreAfter)),
    el('span', null, 'load data: ', s.recentWindows, ' windows, ', s.monitoredPartitionsPercentage,
       '% monitored'));
  root.append(facts);
  if (can('ADMIN')) {
    let armed = null;
    const btn = el('button', { id: 'execute', class: 'danger', onclick: async () => {
      if (!armed) {
        btn.textContent = 'Confirm: execute ' + s.numReplicaMovements + ' moves';
        armed = setTimeout(() => { armed = null; btn.textContent = 'Execute'; }, 8000);
        return;
      }
      clearTimeout(armed);
      btn.disabled = true;
      try {
        await api('POST', '/api/v1/rebalance', { dryrun: 'false', proposalId: id });
        location.hash = '#execution';
      } catch (e) { showError(e); btn.disabled = false; btn.textContent = 'Execute'; armed = null; }
    } }, 'Execute');
    root.append(el('div', { class: 'toolbar' }, btn,
      el('span', { class: 'muted' }, 'sends exactly this proposal (refused if the cluster changed under it)')));
  }

  /* goals */
  const gt = el('table', { id: 'goals' }, el('tr', null, el('th', null, 'goal'), el('th', null, 'status'),
    el('th', null, 'violations before'), el('th', null, 'violations after'), el('th', null, 'counted in'),
    el('th', null, 'ms'), ['cpu', 'networkInbound', 'networkOutbound', 'disk', 'replicas',
                           'leaderReplicas'].map((k) => el('th', null, k + ' max/avg'))));
  for (const g of res.goalSummary || []) {
    const st = (g.clusterModelStats || {}).statistics || {};
    gt.append(el('tr', null, el('td', null, g.goal),
      el('td', { class: 'status-' + g.status }, g.status),
      el('td', { class: 'num viol-before' + (g.violationsBefore > 0 ? ' bad' : '') }, g.violationsBefore ?? '-'),
      el('td', { class: 'num viol-after' + (g.violationsAfter > 0 ? ' bad' : '') }, g.violationsAfter ?? '-'),
      el('td', { class: 'muted' }, g.violationUnit || ''),
      el('td', { class: 'num' }, g.optimizationTimeMs),
      ['cpu', 'networkInbound', 'networkOutbound', 'disk', 'replicas', 'leaderReplicas'].map((k) =>
        el('td', { class: 'num' }, st.AVG && st.AVG[k] > 0 ? (st.MAX[k] / st.AVG[k]).toFixed(3) : '-'))));
  }
  root.append(el('h2', null, 'Goals (after each goal, in priority order)'), gt);

  /* per broker, before -> after */
  const before = res.loadBeforeOptimization, after = res.loadAfterOptimization;
  if (before && after) {
    const th = window.ballastLayout ? window.ballastLayout.thresholds : null;
    const cmp = el('div', { class: 'compare', id: 'compare' });
    const bb = new Map(before.brokers.map((b) => [b.Broker, b]));
    const mb = clusterMeans(before.brokers), ma = clusterMeans(after.brokers);
    ma.maxReplicas = mb.maxReplicas = Math.max(mb.maxReplicas, ma.maxReplicas);
    ma.maxLeaders = mb.maxLeaders = Math.max(mb.maxLeaders, ma.maxLeaders);
    for (const a of after.brokers) {
      const b = bb.get(a.Broker);
      const card = el('div', { class: 'broker', 'data-broker': a.Broker },
                      el('div', { class: 'id' }, 'broker ', a.Broker, ' · ', a.Rack));
      if (th && b) {
        const bars0 = brokerBars(b, th, mb), bars1 = brokerBars(a, th, ma, ' after');
        for (let i = 0; i < bars0.length; i++) card.append(bars0[i], bars1[i]);
      }
      cmp.append(card);
    }
    root.append(el('h2', null, 'Per broker: before (plain) → after (striped)'), cmp);
  }

  /* moves */
  const moves = res.proposals || [];
  const filter = el('input', { id: 'move-filter', placeholder: 'filter: topic or broker id', size: 30 });
  const table = el('table', { class: 'moves', id: 'moves' });
  const count = el('span', { class: 'muted' });
  const LIMIT = 500;
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const hit = moves.filter((m) => !q || m.topicPartition.topic.toLowerCase().includes(q) ||
      m.oldReplicas.concat(m.newReplicas).some((b) => String(b) === q));
    table.replaceChildren(el('tr', null, el('th', null, 'topic'), el('th', null, 'partition'),
      el('th', null, 'replicas before'), el('th', null, 'after'), el('th', null, 'leader')));
    for (const m of hit.slice(0, LIMIT))
      table.append(el('tr', null, el('td', { class: 'topic' }, m.topicPartition.topic),
        el('td', { class: 'num' }, m.topicPartition.partition), el('td', null, m.oldReplicas.join(', ')),
        el('td', null, m.newReplicas.join(', ')),
        el('td', null, m.oldLeader, ' → ', m.newReplicas[0])));
    count.textContent = hit.length + ' of ' + moves.length + ' changes' +
      (hit.length > LIMIT ? ' (first ' + LIMIT + ' shown)' : '');
  };
  filter.addEventListener('input', draw);
  draw();
  root.append(el('h2', null, 'Changes'), el('div', { class: 'toolbar' }, filter, count), table);
}

/* ---------- Execution ---------- */

async function pageExecution(root, seq) {
  const head = el('h2', null, 'Execution');
  const live = el('div', { id: 'exec-live' });
  const hist = el('div', { id: 'exec-history' });
  root.append(head, live, el('h2', null, 'Past executions'), hist);
  let lastTasks = 0;
  const tick = async () => {
    if (seq !== ctx.seq) return;
    try {
      const st = (await api('GET', '/api/v1/state')).body;
      if (seq !== ctx.seq) return;
      drawLive(live, st.executor || {});
      if (Date.now() - lastTasks > 4000) {
        lastTasks = Date.now();
        const tasks = (await api('GET', '/api/v1/tasks')).body.tasks;
        drawHistory(hist, tasks);
      }
      showError(null);
    } catch (e) { showError(e); }
    if (seq === ctx.seq) ctx.timer = setTimeout(tick, 1000);
  };
  await tick();
}

function drawLive(box, e) {
  const total = e.numTotalMovements || 0;
  const running = e.state === 'EXECUTION_IN_PROGRESS' || e.state === 'STOPPING_EXECUTION';
  if (!total) {
    box.replaceChildren(el('p', { class: 'muted' }, 'No execution recorded in the journal. (',
                           e.state || '-', ')'));
    return;
  }
  const frac = e.bytesTotal > 0 ? e.bytesDone / e.bytesTotal : (e.numFinishedMovements || 0) / total;
  const p = Math.floor(frac * 1000) / 10;
  const secs = e.startedMs ? (Date.now() - e.startedMs) / 1000 : 0;
  const rate = running && secs > 0 ? e.bytesDone / secs : NaN;
  const kids = [
    el('div', { class: 'facts' }, el('span', null, 'state ', el('b', { id: 'exec-state' }, e.state)),
       el('span', null, 'journal ', el('b', null, e.journalStatus || '-')),
       e.triggeredTaskId ? el('span', null, 'task ', el('b', null, e.triggeredTaskId)) : null,
       el('span', null, 'started ', fmtTime(e.startedMs))),
    el('div', { class: 'progress', id: 'exec-progress', 'data-pct': p },
       el('div', { class: 'fill', width: p + '%' }), el('div', { class: 'label' }, p.toFixed(1) + '%')),
    el('div', { class: 'facts' },
       el('span', null, 'moves ', el('b', null, e.numFinishedMovements), ' done, ',
          el('b', null, e.numInProgressMovements), ' in flight, ', el('b', null, e.numPendingMovements),
          ' pending', e.numFailedMovements ? ', ' + e.numFailedMovements + ' failed' : '',
          e.numSkippedMovements ? ', ' + e.numSkippedMovements + ' skipped' : '', ' of ', total),
       el('span', null, 'bytes ', el('b', null, fmtBytes(e.bytesDone)), ' of ', fmtBytes(e.bytesTotal)),
       el('span', null, 'rate ', el('b', null, running ? fmtBytes(rate) + '/s' : '-'),
          ' (throttle ', e.throttle > 0 ? fmtBytes(e.throttle) + '/s per broker' : 'none', ')'),
       el('span', null, 'ETA ', el('b', null, running && e.etaSeconds ? fmtAge(e.etaSeconds * 1000) : '-'))),
  ];
  if (running && can('ADMIN'))
    kids.push(el('div', { class: 'toolbar' }, el('button', { id: 'stop', class: 'danger',
      disabled: e.state === 'STOPPING_EXECUTION' ? '' : null, onclick: async (ev) => {
        ev.target.disabled = true;
        try { await api('POST', '/api/v1/stop'); } catch (err) { showError(err); }
      } }, 'Stop execution')));
  box.replaceChildren(...kids);
}

function drawHistory(box, tasks) {
  const ex = tasks.filter((t) => t.kind === 'execution' || t.kind === 'adopted-execution');
  if (!ex.length) {
    box.replaceChildren(el('p', { class: 'muted' }, 'none kept'));
    return;
  }
  box.replaceChildren(el('table', { id: 'history' },
    el('tr', null, ['started', 'ended', 'state', 'user', 'proposal', 'reason', 'task'].map((h) => el('th', null, h))),
    ex.map((t) => el('tr', null, el('td', null, fmtTime(t.createdMs)), el('td', null, fmtTime(t.endedMs)),
      el('td', null, t.state), el('td', null, t.user), el('td', null, t.proposalId || '-'),
      el('td', null, t.reason || ''), el('td', null, t.id)))));
}

/* ---------- Rebalances (KafkaRebalance resources) ---------- */

function krState(r) {
  const c = ((r.status || {}).conditions || []).find((x) => x.status === 'True');
  return c ? c.type : '-';
}

async function pageRebalances(root, seq) {
  root.append(el('h2', null, 'KafkaRebalance resources'));
  const load = async () => (await api('GET', '/api/v1/kafkarebalances')).body;
  let list;
  try {
    list = await load();
  } catch (e) {
    if (e.status !== 404) throw e;
    root.append(el('p', { class: 'muted', id: 'kr-missing' },
                   'Not available: this service has no /api/v1/kafkarebalances endpoint.'));
    return;
  }
  if (seq !== ctx.seq) return;
  const box = el('div', { id: 'kr-box' });
  root.append(box);
  let shown = JSON.stringify(list.items || []);
  drawRebalances(box, list.items || []);
  /* states move on their own (PendingProposal -> ProposalReady, Rebalancing -> Ready): the
   * list is read again every 2 s and redrawn when it changed */
  const tick = async () => {
    if (seq !== ctx.seq) return;
    try {
      const items = (await load()).items || [];
      if (seq !== ctx.seq) return;
      const now = JSON.stringify(items);
      if (now !== shown) {
        shown = now;
        drawRebalances(box, items);
      }
    } catch (e) { showError(e); }
    if (seq === ctx.seq) ctx.timer = setTimeout(tick, 2000);
  };
  ctx.timer = setTimeout(tick, 2000);
}

function drawRebalances(box, items) {
  if (!items.length) {
    box.replaceChildren(el('p', { class: 'muted' }, 'none (ballast rebalance apply -f FILE creates one)'));
    return;
  }
  const act = (name, verb) => async (ev) => {
    ev.target.disabled = true;
    try {
      await api('POST', '/api/v1/kafkarebalances/' + encodeURIComponent(name), { annotate: verb });
      route();
    } catch (e) { showError(e); ev.target.disabled = false; }
  };
  const t = el('table', { id: 'rebalances' }, el('tr', null,
    ['name', 'state', 'mode', 'moves', 'data to move', 'message', ''].map((h) => el('th', null, h))));
  for (const r of items) {
    const name = (r.metadata || {}).name || '';
    const st = r.status || {}, opt = st.optimizationResult || {};
    const cond = (st.conditions || []).find((x) => x.status === 'True') || {};
    const buttons = el('td');
    const state = krState(r);
    if (can('ADMIN') && state === 'ProposalReady')
      buttons.append(el('button', { 'data-verb': 'approve', onclick: act(name, 'approve') }, 'approve'));
    if (can('USER')) buttons.append(' ', el('button', { 'data-verb': 'refresh', onclick: act(name, 'refresh') }, 'refresh'));
    if (can('ADMIN') && (state === 'Rebalancing' || state === 'PendingProposal'))
      buttons.append(' ', el('button', { class: 'danger', 'data-verb': 'stop', onclick: act(name, 'stop') }, 'stop'));
    t.append(el('tr', { 'data-name': name, 'data-state': state }, el('td', null, name), el('td', null, state),
      el('td', null, (r.spec || {}).mode || 'full'), el('td', { class: 'num' }, opt.numReplicaMovements ?? '-'),
      el('td', { class: 'num' }, opt.dataToMoveMB !== undefined ? opt.dataToMoveMB + ' MB' : '-'),
      el('td', null, cond.message || ''), buttons));
  }
  box.replaceChildren(t);
}

/* ---------- routing ---------- */

const PAGES = { cluster: pageCluster, proposal: pageProposal, execution: pageExecution,
                rebalances: pageRebalances };

async function route() {
  const [name, ...rest] = (location.hash.slice(1) || 'cluster').split('/');
  const page = PAGES[name] ? name : 'cluster';
  const seq = ++ctx.seq;
  clearTimeout(ctx.timer);
  showError(null);
  for (const a of document.querySelectorAll('#tabs a'))
    a.classList.toggle('active', a.dataset.page === page);
  const root = el('div', { id: 'page-' + page });
  document.getElementById('page').replaceChildren(root);
  document.body.dataset.rendered = '';
  const t0 = performance.now();
  try {
    if (page === 'proposal' && !window.ballastLayout)
      window.ballastLayout = (await api('GET', '/api/v1/layout')).body;
    await PAGES[page](root, seq, rest.length ? decodeURIComponent(rest.join('/')) : '');
  } catch (e) {
    if (seq === ctx.seq) showError(e);
  }
  if (seq !== ctx.seq) return;
  window.ballastRenderMs = performance.now() - t0;
  /* the next frame after drawing: layout and paint included (the tests time this) */
  await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
  if (seq !== ctx.seq) return;
  window.ballastDrawnAt = performance.now();
  document.body.dataset.rendered = page;
}

async function start() {
  try {
    const me = (await api('GET', '/api/v1/whoami')).body;
    ctx.user = me.user;
    ctx.role = ROLES[me.role] || 0;
    document.getElementById('who').textContent = me.authentication
      ? me.user + ' (' + me.role + ')' : 'no authentication (' + me.role + ')';
  } catch (e) { showError(e); }
  window.addEventListener('hashchange', route);
  route();
}

start();
