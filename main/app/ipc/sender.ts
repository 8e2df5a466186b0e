/**
 * Who may call main: only the top frame of g8boot's own window, showing g8boot's own pages (app://g8boot/…).
 * An iframe, a page navigated elsewhere, or another window's webContents is refused, whatever it sends.
 */

/** The parts of Electron's IpcMainInvokeEvent the check reads. */
export interface IpcSenderEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export const APP_ORIGIN = 'app://g8boot';

export function isTrustedSender(event: IpcSenderEvent, trustedWebContentsIds: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  // A frame that navigated away or was destroyed while the call was in flight has no frame any more.
  if (!frame || frame.parent !== null) return false;
  if (!trustedWebContentsIds.has(event.sender.id)) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  return url.protocol === 'app:' && url.host === 'g8boot';
}
