/**
 * A tiny initramfs for boot tests: busybox-static and an /init that prints the kernel command line on the
 * console, then powers off. Written as a "newc" cpio archive here (with /dev/console as a device node, which
 * a cpio run by an unprivileged user could not create).
 */
import { readFileSync } from 'node:fs';

export const CMDLINE_MARKER = 'G8BOOT-TEST-CMDLINE:';

interface Entry {
  name: string;
  mode: number;
  data?: Buffer;
  rdev?: [number, number];
}

function newc(entries: readonly Entry[]): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  let ino = 1;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const fields = [
      ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, e.rdev?.[0] ?? 0, e.rdev?.[1] ?? 0, name.length, 0,
    ];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1');
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

export function buildTestInitramfs(busyboxPath = '/bin/busybox'): Buffer {
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t proc proc /proc',
    `/bin/busybox echo "${CMDLINE_MARKER} $(/bin/busybox cat /proc/cmdline)"`,
    '/bin/busybox poweroff -f',
  ].join('\n');
  return newc([
    { name: 'bin', mode: 0o040755 },
    { name: 'dev', mode: 0o040755 },
    { name: 'proc', mode: 0o040755 },
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
    { name: 'bin/busybox', mode: 0o100755, data: readFileSync(busyboxPath) },
    { name: 'init', mode: 0o100755, data: Buffer.from(`${init}\n`) },
  ]);
}
