/**
 * Step 1 of the first run: where g8boot finds ZeroTier. Testing lists the networks the setup can see (a Central
 * token is checked then) without saving anything.
 */
import { useState } from 'react';
import type { ControllerKindView, ControllerSetup, NetworkView } from '../../../../main/common/ipc.ts';
import { ChoiceList, type Choice } from '../../components/ChoiceList.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';

const KINDS: Choice<ControllerKindView>[] = [
  { value: 'central', title: 'ZeroTier Central', text: 'Networks hosted by ZeroTier (my.zerotier.com). Paste an API access token.' },
  { value: 'local', title: 'Self-hosted controller', text: 'The network controller inside zerotier-one on this machine (as ztncui uses).' },
  { value: 'demo', title: 'Demo network', text: 'An offline network on this computer whose G8OS nodes join by themselves and answer like core0 (the same demo as `npx g8boot demo`): try g8boot without an account.' },
];

interface ControllerFormProps {
  secretStorage: 'os' | 'basic-text' | 'unavailable';
  onTested: (setup: ControllerSetup, networks: NetworkView[]) => void;
  /** Any change to the form: what was tested before no longer applies. */
  onEdited: () => void;
}

export function ControllerForm({ secretStorage, onTested, onEdited }: ControllerFormProps) {
  const [kind, setKind] = useState<ControllerKindView>('central');
  const [token, setToken] = useState('');
  const [url, setUrl] = useState('');
  const [ztHome, setZtHome] = useState('');
  const test = useCall((setup: ControllerSetup) => g8boot().testController(setup));

  const setup = (): ControllerSetup => {
    if (kind === 'central') return { kind, token: token.trim(), url: url.trim() || undefined };
    if (kind === 'local') return { kind, ztHome: ztHome.trim() || undefined };
    return { kind };
  };
  const runTest = async () => {
    const chosen = setup();
    const networks = await test.run(chosen);
    if (networks) onTested(chosen, networks);
  };
  const missingToken = kind === 'central' && token.trim() === '';

  return (
    <form
      className="setup-step"
      aria-labelledby="controller-title"
      // Every field's change bubbles here.
      onChange={onEdited}
      onSubmit={(event) => {
        event.preventDefault();
        void runTest();
      }}
    >
      <h2 id="controller-title">1. Connect to ZeroTier</h2>
      <ChoiceList legend="Where are your networks?" name="controller-kind" choices={KINDS} value={kind} onChange={setKind} />

      {kind === 'central' && (
        <div className="fields">
          <label className="field">
            <span>API access token</span>
            <input type="password" value={token} onChange={(event) => setToken(event.target.value)} autoComplete="off" spellCheck={false} />
          </label>
          <p className="field-help">
            Create one in ZeroTier Central under Account → API Access Tokens.{' '}
            <button type="button" className="link-button" onClick={() => void g8boot().openExternal('https://my.zerotier.com/account')}>
              Open ZeroTier Central
            </button>
          </p>
          {secretStorage === 'basic-text' && (
            <p className="notice notice-warn">
              This system has no keyring (libsecret or KWallet): the token will be stored obfuscated, not encrypted.
            </p>
          )}
          {secretStorage === 'unavailable' && (
            <p className="notice notice-warn">This system cannot store secrets: g8boot will forget the token when it quits.</p>
          )}
          <details>
            <summary>Another Central address</summary>
            <label className="field">
              <span>API base URL</span>
              <input type="url" value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://api.zerotier.com/api/v1" />
            </label>
          </details>
        </div>
      )}
      {kind === 'local' && (
        <div className="fields">
          <label className="field">
            <span>ZeroTier home directory (optional)</span>
            <input value={ztHome} onChange={(event) => setZtHome(event.target.value)} placeholder="found automatically" spellCheck={false} />
          </label>
          <p className="field-help">Where authtoken.secret and zerotier-one.port live; leave empty to use the usual place.</p>
        </div>
      )}

      {test.error && <ErrorNotice error={test.error} />}
      <div className="button-row">
        <button type="submit" className="primary" disabled={test.busy || missingToken}>
          {test.busy ? 'Testing…' : kind === 'demo' ? 'Start the demo' : 'Test the connection'}
        </button>
      </div>
    </form>
  );
}
