/**
 * core0's Redis password for the selected network (core0 booted with organization= wants a JWT). The renderer
 * never holds a stored password: it sends a new one to main once, and learns back only "a password is set".
 */
import { useState } from 'react';
import type { AppState, RedisCredentialsUpdate, RedisCredentialsView } from '../../../../main/common/ipc.ts';
import { PROBE_STATE_WORDS } from '../../../../main/common/nodes.ts';
import { useAnnounce } from '../../components/Announcer.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';

const SOURCE_WORDS: Record<RedisCredentialsView['password'], string> = {
  none: `No password is set: nodes that want one are reported as "${PROBE_STATE_WORDS['auth-required'].label}".`,
  stored: 'A password is set (stored encrypted by your system keyring).',
  file: 'The password is read from a JWT file before each check:',
};

/** Where a stored password is kept, said truthfully: without a keyring, Electron's safeStorage only obfuscates. */
const STORED_WITHOUT_KEYRING = 'A password is set (stored obfuscated, not encrypted: this system has no keyring).';

export function RedisCredentialsPanel({ credentials, secretStorage }: { credentials: RedisCredentialsView | null; secretStorage: AppState['secretStorage'] }) {
  const [secret, setSecret] = useState('');
  const [file, setFile] = useState('');
  const save = useCall((update: RedisCredentialsUpdate) => g8boot().setRedisCredentials(update));
  const announce = useAnnounce();
  if (!credentials) return null;

  const apply = (update: RedisCredentialsUpdate, said: string) =>
    void save.run(update).then((view) => {
      if (!view) return;
      setSecret('');
      setFile('');
      announce(said);
    });

  return (
    <fieldset className="credentials">
      <legend>core0 password for network {credentials.networkId}</legend>
      <p>
        {credentials.password === 'stored' && secretStorage === 'basic-text' ? STORED_WITHOUT_KEYRING : SOURCE_WORDS[credentials.password]}{' '}
        {credentials.password === 'file' && <span className="mono">{credentials.passwordFile}</span>}
      </p>
      <p className="muted">
        It is sent only over TLS to the certificate g8boot trusts for each node (the first one it saw, unless you trust another), never to a node
        whose certificate changed.
      </p>
      {secretStorage === 'basic-text' && (
        <p className="notice notice-warn">
          This system has no keyring (libsecret or KWallet): a password set here is stored obfuscated, not encrypted. A JWT file readable only by you
          avoids that.
        </p>
      )}
      {secretStorage === 'unavailable' && (
        <p className="notice notice-warn">This system cannot store secrets: give the full path of a JWT file instead of the password.</p>
      )}
      <div className="form-grid">
        <label className="field">
          <span>Password or JWT</span>
          <input type="password" autoComplete="off" spellCheck={false} value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <label className="field">
          <span>…or the full path of a JWT file</span>
          <input className="mono" spellCheck={false} value={file} onChange={(e) => setFile(e.target.value)} />
        </label>
      </div>
      <div className="button-row">
        <button type="button" className="primary" disabled={save.busy || !secret.trim()} onClick={() => apply({ password: { kind: 'secret', value: secret } }, 'Password saved')}>
          Set password
        </button>
        <button type="button" disabled={save.busy || !file.trim()} onClick={() => apply({ password: { kind: 'file', path: file.trim() } }, 'JWT file saved')}>
          Use this file
        </button>
        <button type="button" disabled={save.busy || credentials.password === 'none'} onClick={() => apply({ password: { kind: 'none' } }, 'Password removed')}>
          Remove password
        </button>
      </div>
      <div className="checkbox-list">
        <label>
          <input
            type="checkbox"
            checked={credentials.allowPlaintext}
            disabled={save.busy}
            onChange={(e) => apply({ allowPlaintext: e.target.checked }, e.target.checked ? 'Plain text allowed' : 'Plain text refused')}
          />{' '}
          Also send it to Redis over unencrypted connections on this network (only if you trust every path to its nodes)
        </label>
      </div>
      {save.error && <ErrorNotice error={save.error} />}
    </fieldset>
  );
}
