/**
 * Write to USB stick…: pick a drive from a live list (polled: a stick plugged in while the dialog is open
 * appears), confirm with its name and size, follow the write and the verification, and see how it ended.
 * Main re-checks the drive and does the writing; this only shows and asks.
 */
import { useEffect, useRef, useState } from 'react';
import { afterBurnWords, burnProgressText, driveLabel, formatDriveSize, WINDOWS_FORMAT_WARNING, type BurnImageRequest, type BurnStatusView, type DriveView } from '../../../../main/common/burn.ts';
import type { AppState } from '../../../../main/common/ipc.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { errorText } from '../../data/error-text.ts';

/** How often the drive list is read again while the dialog is open. */
export const DRIVE_POLL_MS = 1500;

type Phase = 'pick' | 'confirm' | 'writing' | 'done';

export function WriteStickDialog({ request, platform, onClose }: { request: Omit<BurnImageRequest, 'device'>; platform: AppState['platform']; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [drives, setDrives] = useState<DriveView[] | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>('pick');
  const [status, setStatus] = useState<BurnStatusView | null>(null);
  const list = useCall(() => g8boot().listDrives());
  const write = useCall((device: string) => g8boot().burnImage({ ...request, device }));

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => g8boot().on('burn-progress', setStatus), []);
  // The live list: read now and every DRIVE_POLL_MS while picking.
  useEffect(() => {
    if (phase !== 'pick') return;
    let stopped = false;
    const read = async () => {
      const found = await list.run();
      if (!stopped && found) setDrives(found);
    };
    void read();
    const timer = setInterval(() => void read(), DRIVE_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [phase, list.run]);

  const offered = drives?.filter((d) => d.offered) ?? [];
  const hidden = drives?.filter((d) => !d.offered) ?? [];
  const drive = offered.find((d) => d.device === picked) ?? null;
  // A picked stick that was unplugged is no longer picked.
  useEffect(() => {
    if (phase === 'pick' && picked && drives && !drives.some((d) => d.device === picked && d.offered)) setPicked(null);
  }, [drives, picked, phase]);

  const start = async () => {
    if (!drive) return;
    setPhase('writing');
    setStatus(null);
    await write.run(drive.device);
    setPhase('done');
  };

  const running = phase === 'writing';
  return (
    <dialog
      ref={dialog}
      className="dialog write-stick"
      aria-labelledby="write-stick-title"
      onCancel={(event) => {
        // Escape must not hide a write in progress.
        if (running) event.preventDefault();
      }}
      onClose={onClose}
    >
      <h2 id="write-stick-title">Write to a USB stick</h2>
      <p className="small-text">
        The boot image for network <span className="mono">{request.netid}</span>. Only removable drives are offered.
      </p>
      {platform === 'win32' && <p className="notice notice-warn">{WINDOWS_FORMAT_WARNING}</p>}

      {phase === 'pick' && (
        <>
          <fieldset className="drive-list" aria-busy={drives === null}>
            <legend>Drive</legend>
            {drives !== null && offered.length === 0 && <p role="status">No USB stick or SD card found. Plug one in: it appears here.</p>}
            {offered.map((d) => (
              <label key={d.device} className="drive-option">
                <input type="radio" name="drive" value={d.device} checked={picked === d.device} onChange={() => setPicked(d.device)} />
                <span>
                  <strong>{d.description}</strong> · {formatDriveSize(d.sizeBytes)} · {d.bus?.toUpperCase() ?? 'disk'} <span className="mono">({d.device})</span>
                  {d.mountpoints.length > 0 && <span className="small-text"> · mounted at {d.mountpoints.join(', ')}</span>}
                  {d.warnings.map((w) => (
                    <span key={w} className="small-text warn-text"> · {w}</span>
                  ))}
                </span>
              </label>
            ))}
          </fieldset>
          {hidden.length > 0 && (
            <details className="hidden-drives">
              <summary>{hidden.length === 1 ? '1 disk is hidden' : `${hidden.length} disks are hidden`}</summary>
              <ul>
                {hidden.map((d) => (
                  <li key={d.device}>
                    <span className="mono">{d.device}</span> {d.description}, {formatDriveSize(d.sizeBytes)}: {d.hiddenBecause}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {list.error && <ErrorNotice error={list.error} />}
          <div className="button-row">
            <button type="button" className="primary" disabled={!drive} onClick={() => setPhase('confirm')}>
              Write…
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
        </>
      )}

      {phase === 'confirm' && drive && (
        <>
          <p className="confirm-text">
            Erase <strong>{driveLabel(drive)}</strong> and write the boot image to it? Everything on it is lost.
          </p>
          {drive.warnings.map((w) => (
            <p key={w} className="notice notice-warn">
              {w}
            </p>
          ))}
          <div className="button-row">
            <button type="button" className="danger" onClick={() => void start()} autoFocus>
              Erase and write {drive.description}
            </button>
            <button type="button" onClick={() => setPhase('pick')}>
              Back
            </button>
          </div>
        </>
      )}

      {phase === 'writing' && (
        <>
          <label className="field">
            <span>{status ? burnProgressText(status.progress) : 'Preparing…'}</span>
            <progress aria-label="Write progress" max={Math.max(1, status?.progress.total ?? 1)} value={status?.progress.done ?? 0} />
          </label>
          <div className="button-row">
            <button type="button" onClick={() => void g8boot().cancelBurn()}>
              Cancel
            </button>
          </div>
        </>
      )}

      {phase === 'done' && (
        <>
          {status?.state === 'verified' && status.result ? (
            <div className="notice notice-ok" role="status">
              <p className="notice-title">
                Written and verified: {driveLabel(status)}. {afterBurnWords(status.result.ejected)}
              </p>
              <p className="mono small-text">sha256 {status.result.sha256}</p>
              {status.result.ejectProblem && <p className="small-text">{status.result.ejectProblem}</p>}
              {status.result.notes.map((note) => (
                <p key={note} className="small-text">
                  {note}
                </p>
              ))}
            </div>
          ) : (
            <ErrorNotice error={write.error ?? errorText(status?.error ?? 'The write did not finish.')} />
          )}
          <div className="button-row">
            <button type="button" className="primary" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
