/** The notification at the end of a stick write: verified (with Windows' do-not-format warning there), failed, cancelled. */
import { describe, expect, it } from 'vitest';
import { burnNotification } from '../../main/app/notifications/burn-notification.ts';
import type { BurnStatusView } from '../../main/common/burn.ts';

const base: BurnStatusView = {
  device: '/dev/sdb',
  description: 'SanDisk Ultra',
  sizeBytes: 32015679488,
  state: 'verified',
  progress: { step: 'eject', done: 1, total: 1, bytesPerSecond: 0, etaSeconds: 0 },
  result: { device: '/dev/sdb', description: 'SanDisk Ultra', bytes: 1, sha256: 'a'.repeat(64), writeSeconds: 1, verifySeconds: 1, ejected: true, ejectProblem: null, notes: [] },
  error: null,
};

describe('burn notifications', () => {
  it('says the stick is verified and ejected, and on Windows not to format it', () => {
    expect(burnNotification(base, 'linux')).toEqual({
      title: 'USB stick written and verified',
      body: 'SanDisk Ultra, 32.0 GB (/dev/sdb). It is ejected: unplug it and boot a machine from it.',
      click: { type: 'navigate', view: 'boot' },
    });
    expect(burnNotification(base, 'win32')?.body).toMatch(/Windows cannot read the written stick .* do not format it/);
  });
  it('says what failed and what to do', () => {
    const failed = burnNotification({ ...base, state: 'failed', result: null, error: { code: 'E_BURN_VERIFY', message: 'Verification failed: the drive holds different bytes at offset 4096 than the image.', hint: 'Try another stick.', step: 'verify', offset: 4096 } }, 'linux');
    expect(failed).toMatchObject({ title: 'Writing the USB stick failed', body: 'Verification failed: the drive holds different bytes at offset 4096 than the image. Try another stick.' });
    expect(burnNotification({ ...base, state: 'cancelled', error: { code: 'E_BURN_CANCELLED', message: 'Cancelled.' } }, 'linux')?.title).toBe('Writing the USB stick was cancelled');
    expect(burnNotification({ ...base, state: 'running' }, 'linux')).toBeNull();
  });
});
