/** The notification at the end of a stick write: verified (unplug it and boot), or what failed and what to do. */
import { afterBurnWords, driveLabel, WINDOWS_FORMAT_WARNING, type BurnStatusView } from '../../common/burn.ts';
import type { NotificationModel } from './notifier.ts';

export function burnNotification(status: BurnStatusView, platform: NodeJS.Platform): NotificationModel | null {
  const click = { type: 'navigate', view: 'boot' } as const;
  if (status.state === 'verified') {
    return {
      title: 'USB stick written and verified',
      body: [`${driveLabel(status)}. ${afterBurnWords(status.result?.ejected ?? false)}`, ...(platform === 'win32' ? [WINDOWS_FORMAT_WARNING] : [])].join(' '),
      click,
    };
  }
  if (status.state === 'failed' || status.state === 'cancelled') {
    return {
      title: status.state === 'cancelled' ? 'Writing the USB stick was cancelled' : 'Writing the USB stick failed',
      body: [status.error?.message, status.error?.hint].filter(Boolean).join(' '),
      click,
    };
  }
  return null;
}
