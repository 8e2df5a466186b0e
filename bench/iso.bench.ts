/**
 * Issue 2: build time and peak memory of `g8boot iso` against `xorriso -as mkisofs` producing the
 * equivalent hybrid image (isolinux + El Torito BIOS/UEFI + isohybrid MBR/GPT) from the same files.
 * Targets: in-process build of the ~3 MB image <= 20 ms; the CLI, process start included, no slower than xorriso.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBootMediaRequest, planBootMedia, stage1For } from '../main/core/boot/boot-media.ts';
import { ISOLINUX_CFG } from '../main/core/boot/image.ts';
import { layoutToBuffer, writeLayoutFile } from '../main/core/boot/layout.ts';
import { loadToolchain } from '../main/core/boot/toolchain/index.ts';
import { hyperfine, mib, ms, peakRssKiB, table, timeIt } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'g8boot-bench-iso-'));
const NWID = '8056c2e21c000001';
const BOOT_URL = 'http://10.0.2.2:8088';
try {
  const toolchain = await loadToolchain();
  const spec = parseBootMediaRequest({ netid: NWID, bootUrls: BOOT_URL });

  // In process: plan + write to disk, the toolchain already loaded (as in the app and the boot service).
  const out = join(dir, 'inproc.iso');
  const planOnly = await timeIt(() => planBootMedia(toolchain, spec), 200, 20);
  const build = await timeIt(async () => writeLayoutFile(planBootMedia(toolchain, spec).layout, out), 100, 10);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  for (let i = 0; i < 50; i++) {
    await writeLayoutFile(planBootMedia(toolchain, spec).layout, out);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const sizeMiB = planBootMedia(toolchain, spec).layout.size / 1048576;

  // The same files, staged for xorriso: it patches the boot info table and writes the hybrid MBR/GPT itself.
  const image = planBootMedia(toolchain, spec);
  const stage = join(dir, 'files');
  const files: Record<string, Uint8Array> = {
    'ISOLINUX.BIN': toolchain.isolinuxBin,
    'LDLINUX.C32': toolchain.ldlinuxC32,
    'ISOLINUX.CFG': Buffer.from(ISOLINUX_CFG),
    'IPXE.LKRN': toolchain.lkrn,
    'AUTOEXEC.IPXE': Buffer.from(stage1For(spec)),
    'ESP.IMG': layoutToBuffer(image.esp),
  };
  rmSync(stage, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(stage);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(stage, name), data);
  const xorrisoArgs = [
    '-as', 'mkisofs', '-quiet', '-o', join(dir, 'xorriso.iso'), '-V', 'G8OS', '-iso-level', '2', '-c', 'BOOT.CAT',
    '-b', 'ISOLINUX.BIN', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
    '-eltorito-alt-boot', '-e', 'ESP.IMG', '-no-emul-boot', '-isohybrid-gpt-basdat',
    '-isohybrid-mbr', join(toolchain.dir, 'isohdpfx.bin'), stage,
  ];
  const cliArgs = [join(root, 'bin', 'g8boot.mjs'), 'iso', '--netid', NWID, '--boot-url', BOOT_URL, '-o', join(dir, 'cli.iso')];
  const quote = (a: string) => (/^[\w./=:-]+$/.test(a) ? a : `'${a}'`);
  const timed = hyperfine(
    {
      'g8boot iso (CLI)': [process.execPath, ...cliArgs].map(quote).join(' '),
      'xorriso -as mkisofs': ['xorriso', ...xorrisoArgs].map(quote).join(' '),
    },
    { runs: 40, warmup: 5 },
  );
  const g = timed['g8boot iso (CLI)']!;
  const x = timed['xorriso -as mkisofs']!;
  const cliRss = peakRssKiB(process.execPath, cliArgs);
  const xorrisoRss = peakRssKiB('xorriso', xorrisoArgs);

  console.log(`image: ${sizeMiB.toFixed(1)} MiB hybrid ISO/USB (BIOS + UEFI), network ${NWID}\n`);
  console.log(table(
    ['measure', 'g8boot', 'xorriso -as mkisofs', 'ratio (xorriso / g8boot)'],
    [
      ['in-process plan only (median)', ms(planOnly.medianMs), '-', '-'],
      ['in-process plan + write (median)', ms(build.medianMs), '-', '-'],
      ['in-process plan + write (p95)', ms(build.p95Ms), '-', '-'],
      ['whole command, process start included (median)', ms(g.medianMs), ms(x.medianMs), `${(x.medianMs / g.medianMs).toFixed(2)}x`],
      ['whole command (mean)', ms(g.meanMs), ms(x.meanMs), `${(x.meanMs / g.meanMs).toFixed(2)}x`],
      ['peak RSS of the command', mib(cliRss), mib(xorrisoRss), `${(xorrisoRss / cliRss).toFixed(2)}x`],
      ['in-process RSS growth over 50 builds', mib((peak - rssBefore) / 1024), '-', '-'],
    ],
  ));
  const ok = build.medianMs <= 20 && g.medianMs <= x.medianMs;
  console.log(`\ntargets: in-process build <= 20 ms: ${build.medianMs <= 20 ? 'met' : 'MISSED'}; CLI no slower than xorriso: ${g.medianMs <= x.medianMs ? 'met' : 'MISSED'}`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
