// Renderer benchmark (issue 7): the production dashboard in Chromium showing 1,000 nodes while a fake backend
// pushes all 1,000 NodeRecords every 5 s (as main does after each sweep: the monitor's events for the nodes that
// changed, then the whole list and the state; the first sweep brings a `node-ready` for every node), and the
// person scrolls the table the whole time. Measured in the page: frame times (requestAnimationFrame deltas), long tasks (PerformanceObserver),
// and for each push the time its listeners take and the time until the next frame after React rendered it;
// through CDP: the JS heap (after a forced GC at the start and the end, and its peak) and the main thread's
// script/layout/style time.
//
// Budget: p95 frame <= 33 ms (30 fps while updating and scrolling), no long task over 200 ms, the heap after GC
// grows by less than 10 MiB over the run. `BENCH_RENDERER_PUSHES` changes the number of pushes (default 12: 60 s).
import type { CDPSession } from 'playwright-core';
import type { MonitorEvent, NodeRecord } from '../main/common/ipc.ts';
import { FakeBackend, makeNodes } from '../test/ui/fake-backend.ts';
import { buildRenderer, inPage, launchChromium, openApp, serveDirectory } from '../test/ui/harness.ts';
import { mib, ms, stats, table } from './lib.ts';

const NODES = 1000;
const PUSH_EVERY_MS = 5000;
const PUSHES = Number(process.env.BENCH_RENDERER_PUSHES ?? 12);

/** Installed in the page: rAF deltas, long tasks, push timings, and a scroller that moves the table every frame. */
const PROBE = `(() => {
  const frames = [];
  const longTasks = [];
  const pushes = [];
  const emit = window.__g8bootEmit;
  window.__g8bootEmit = (event, payload) => {
    const start = performance.now();
    emit(event, payload);
    if (event !== 'nodes') return;
    const listeners = performance.now() - start;
    // React renders the update in a task of its own; the frame after that one shows it.
    setTimeout(() => requestAnimationFrame(() => pushes.push({ listeners, painted: performance.now() - start })), 0);
  };
  new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); }).observe({ type: 'longtask' });
  const scroller = document.querySelector('.node-scroll');
  let last = performance.now();
  let direction = 1;
  const tick = (now) => {
    frames.push(now - last);
    last = now;
    // Scroll like a person flicking through the list: 2 rows per frame, back up at either end.
    scroller.scrollTop += direction * 80;
    if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1 || scroller.scrollTop <= 0) direction = -direction;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__bench = { frames, longTasks, pushes };
})()`;

async function heapUsed(cdp: CDPSession, collect: boolean): Promise<number> {
  if (collect) await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  return usedSize;
}

async function threadTimes(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}

/** The next sweep's list: every record new (as after IPC), last-seen and latencies moved on, a few states flipped. */
function nextSweep(nodes: NodeRecord[], round: number): NodeRecord[] {
  const now = Date.now();
  return nodes.map((node, i) => {
    const flip = (i + round) % 97 === 0;
    const probe = node.probe && {
      ...node.probe,
      latencyMs: node.probe.latencyMs === null ? null : 0.3 + ((i * 31 + round * 7) % 40) / 10,
      state: flip ? (node.probe.state === 'ready' ? ('timeout' as const) : ('ready' as const)) : node.probe.state,
      checkedAt: now,
    };
    return { ...node, lastSeen: node.online ? now - (i % 20) * 1000 : node.lastSeen, probe, history: [...node.history] };
  });
}

const built = await buildRenderer();
const site = await serveDirectory(built.dir);
const browser = await launchChromium();
let failed = false;
try {
  const backend = new FakeBackend({ nodes: makeNodes(NODES) });
  const app = await openApp(browser, { url: site.url, backend });
  const { page } = app;
  await page.getByRole('grid', { name: 'Nodes' }).waitFor({ timeout: 10_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heapStart = await heapUsed(cdp, true);
  const before = await threadTimes(cdp);
  await inPage(page, PROBE);

  let heapPeak = heapStart;
  for (let round = 1; round <= PUSHES; round++) {
    const previous = backend.nodes;
    const next = nextSweep(previous, round);
    const at = Date.now();
    const events: MonitorEvent[] = next.flatMap((node, i): MonitorEvent[] => {
      const was = previous[i]?.probe?.state;
      const is = node.probe?.state;
      if (round === 1 && is === 'ready') return [{ type: 'node-ready', at, node }];
      if (was === is) return [];
      return [is === 'ready' ? { type: 'node-ready', at, node } : { type: 'node-degraded', at, node }];
    });
    for (const event of events) backend.emit('monitor-event', event);
    backend.emit('monitor-event', { type: 'sweep', at, nodes: next.length, durationMs: 900 });
    backend.setNodes(next);
    backend.setState({ monitor: backend.state.monitor && { ...backend.state.monitor, lastSweepAt: Date.now() } });
    await new Promise((r) => setTimeout(r, PUSH_EVERY_MS));
    heapPeak = Math.max(heapPeak, await heapUsed(cdp, false));
  }

  const after = await threadTimes(cdp);
  const { frames, longTasks, pushes } = await inPage<{ frames: number[]; longTasks: number[]; pushes: { listeners: number; painted: number }[] }>(page, 'window.__bench');
  const heapEnd = await heapUsed(cdp, true);
  const rendered = await page.locator('[role="row"][data-index]').count();
  await app.close();

  const f = stats(frames.slice(1));
  const seconds = (PUSHES * PUSH_EVERY_MS) / 1000;
  const perSecond = (key: string) => (((after[key] ?? 0) - (before[key] ?? 0)) * 1000) / seconds;
  const painted = stats(pushes.map((p) => p.painted));
  const listeners = stats(pushes.map((p) => p.listeners));
  const slowFrames = frames.filter((d) => d > 50).length;
  const longest = Math.max(0, ...longTasks);
  const growth = heapEnd - heapStart;
  console.log(`${NODES} nodes, ${PUSHES} pushes every ${PUSH_EVERY_MS / 1000} s, table scrolled every frame; ${rendered} rows in the DOM at the end\n`);
  console.log(
    table(
      ['measure', 'value'],
      [
        ['frames', f.runs],
        ['frame time median', ms(f.medianMs)],
        ['frame time p95', ms(f.p95Ms)],
        ['frame time max', ms(Math.max(...frames.slice(1)))],
        ['frames over 50 ms', slowFrames],
        ['long tasks (> 50 ms)', longTasks.length],
        ['longest task', ms(longest)],
        ['push: listeners, median', ms(listeners.medianMs)],
        ['push → next frame, median', ms(painted.medianMs)],
        ['push → next frame, max', ms(Math.max(...pushes.map((p) => p.painted)))],
        ['script time per second', ms(perSecond('ScriptDuration'))],
        ['layout + style per second', ms(perSecond('LayoutDuration') + perSecond('RecalcStyleDuration'))],
        ['JS heap after GC, start', mib(heapStart / 1024)],
        ['JS heap peak', mib(heapPeak / 1024)],
        ['JS heap after GC, end', mib(heapEnd / 1024)],
      ],
    ),
  );
  const problems = [
    f.p95Ms > 33 && `p95 frame ${ms(f.p95Ms)} > 33 ms`,
    longest > 200 && `a long task took ${ms(longest)} > 200 ms`,
    growth > 10 * 1024 * 1024 && `heap grew by ${mib(growth / 1024)} (> 10 MiB)`,
  ].filter(Boolean);
  if (problems.length) {
    failed = true;
    console.log(`\nOVER BUDGET: ${problems.join('; ')}`);
  } else {
    console.log('\nwithin budget (p95 frame <= 33 ms, no task > 200 ms, heap growth < 10 MiB)');
  }
} finally {
  await browser.close();
  await site.close();
  await built.remove();
}
process.exit(failed ? 1 : 0);
