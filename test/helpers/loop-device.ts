/**
 * Loop devices stand in for USB sticks (FIELD-NOTES §8): a sparse file in a temp dir of the test's own, attached
 * with `losetup -f --show`. Only root can; tests that need one skip elsewhere. Every device is detached by
 * `detach()` (call it in afterAll); no test opens any other block device.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopDevice {
  device: string;
  /** The backing file. */
  file: string;
  detach(): void;
}

export function loopDevicesAvailable(): boolean {
  return process.getuid?.() === 0 && (existsSync('/usr/sbin/losetup') || existsSync('/sbin/losetup'));
}

/** `readOnly`: attached with `losetup -r`, like a stick with its write-protect switch on. */
export function createLoopDevice(sizeBytes: number, name = 'stick', options: { readOnly?: boolean } = {}): LoopDevice {
  const dir = mkdtempSync(join(tmpdir(), `g8boot-loop-${process.pid}-`));
  const file = join(dir, `${name}.img`);
  writeFileSync(file, '');
  truncateSync(file, sizeBytes);
  const device = execFileSync('losetup', [...(options.readOnly ? ['-r'] : []), '-f', '--show', file], { encoding: 'utf8' }).trim();
  if (!/^\/dev\/loop\d+$/.test(device)) throw new Error(`losetup answered ${JSON.stringify(device)}`);
  // Tests lend the device node to another user (the pkexec stand-in cannot make the writer root); the node outlives
  // the attachment, so it is given back as found before detaching, or whoever attaches it next would share it.
  const node = statSync(device);
  let attached = true;
  return {
    device,
    file,
    detach() {
      if (attached) {
        attached = false;
        try {
          chownSync(device, node.uid, node.gid);
          chmodSync(device, node.mode & 0o7777);
        } catch {
          // the node is gone
        }
        try {
          execFileSync('losetup', ['-d', device]);
        } catch {
          // already detached
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
