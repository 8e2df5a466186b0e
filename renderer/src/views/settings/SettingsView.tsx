/** How g8boot watches the network and behaves on this desktop. Saved as a patch of what changed. */
import { useEffect, useState } from 'react';
import type { AppState, AuthorizationPolicy, Settings } from '../../../../main/common/ipc.ts';
import { useAnnounce } from '../../components/Announcer.tsx';
import { ChoiceList, type Choice } from '../../components/ChoiceList.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { RedisCredentialsPanel } from './RedisCredentialsPanel.tsx';

const POLICIES: Choice<AuthorizationPolicy>[] = [
  { value: 'manual', title: 'Ask me', text: 'Nodes wait until you authorize them.' },
  { value: 'auto', title: 'Authorize every node', text: 'Anything that asks to join is let in.' },
  { value: 'auto-verify', title: 'Authorize, then verify', text: 'Let nodes in, and take them out again when core0 does not answer in time.' },
];

function changed(original: Settings, edited: Settings): Partial<Settings> {
  const patch: Partial<Settings> = {};
  for (const key of Object.keys(edited) as (keyof Settings)[]) {
    if (edited[key] !== original[key]) Object.assign(patch, { [key]: edited[key] });
  }
  return patch;
}

export function SettingsView({ state }: { state?: AppState | undefined } = {}) {
  const [saved, setSaved] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Settings | null>(null);
  const load = useCall(() => g8boot().getSettings());
  const save = useCall((patch: Partial<Settings>) => g8boot().updateSettings(patch));
  const announce = useAnnounce();
  const loadRun = load.run;

  useEffect(() => {
    void loadRun().then((settings) => {
      if (!settings) return;
      setSaved(settings);
      setDraft(settings);
    });
  }, [loadRun]);

  if (load.error) return <ErrorNotice error={load.error} onRetry={() => void loadRun()} />;
  if (!saved || !draft) return <p className="muted">Loading settings…</p>;

  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setDraft({ ...draft, [key]: value });
  const patch = changed(saved, draft);
  const dirty = Object.keys(patch).length > 0;

  return (
    <>
      <form
        className="settings-view"
        onSubmit={(event) => {
          event.preventDefault();
          void save.run(patch).then((settings) => {
            if (!settings) return;
            setSaved(settings);
            setDraft(settings);
            announce('Settings saved');
          });
        }}
      >
        <ChoiceList legend="When a node asks to join" name="policy" choices={POLICIES} value={draft.policy} onChange={(policy) => set('policy', policy)} />
        <div className="form-grid">
          {draft.policy === 'auto-verify' && (
            <label className="field">
              <span>Minutes core0 has to answer</span>
              <input type="number" min={1} max={120} value={draft.verifyWithinMin} onChange={(e) => set('verifyWithinMin', Number(e.target.value))} />
            </label>
          )}
          <label className="field">
            <span>Check the network every (seconds)</span>
            <input type="number" min={5} max={300} value={draft.pollIntervalSec} onChange={(e) => set('pollIntervalSec', Number(e.target.value))} />
          </label>
          <label className="field">
            <span>core0 Redis port</span>
            <input type="number" min={1} max={65535} value={draft.redisPort} onChange={(e) => set('redisPort', Number(e.target.value))} />
          </label>
          <label className="field">
            <span>Boot service address (addr:port)</span>
            <input value={draft.bootServiceListen} onChange={(e) => set('bootServiceListen', e.target.value)} className="mono" spellCheck={false} />
          </label>
        </div>
        <div className="checkbox-list">
          <label>
            <input type="checkbox" checked={draft.bootServiceAutoStart} onChange={(e) => set('bootServiceAutoStart', e.target.checked)} /> Start the boot service with g8boot
          </label>
          <label>
            <input type="checkbox" checked={draft.notifications} onChange={(e) => set('notifications', e.target.checked)} /> Notify me when a node asks to join or stops answering
          </label>
          <label>
            <input type="checkbox" checked={draft.startAtLogin} onChange={(e) => set('startAtLogin', e.target.checked)} /> Start g8boot when I log in
          </label>
        </div>
        {save.error && <ErrorNotice error={save.error} />}
        <div className="button-row">
          <button type="submit" className="primary" disabled={!dirty || save.busy}>
            {save.busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" disabled={!dirty} onClick={() => setDraft(saved)}>
            Undo changes
          </button>
        </div>
      </form>
      <RedisCredentialsPanel credentials={state?.redisCredentials ?? null} secretStorage={state?.secretStorage ?? 'os'} />
    </>
  );
}
